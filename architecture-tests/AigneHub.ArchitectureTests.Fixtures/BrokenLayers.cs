// Every type here breaks one architecture rule on purpose. The architecture tests run each rule against this
// assembly too and expect it to fail: a rule that cannot fail here would not catch the same mistake in the hub.
using FluentValidationLike;
using Mediator;

namespace Broken.Domain
{
    /// <summary>Breaks "the domain references only the BCL": it uses Npgsql.</summary>
    public sealed class LeakyEntity
    {
        public Npgsql.NpgsqlConnection? Connection { get; init; }
    }
}

namespace Broken.Domain.Events
{
    /// <summary>Breaks "events are immutable": a public setter.</summary>
    public sealed record CreditsGranted
    {
        public decimal Amount { get; set; }
    }
}

namespace Broken.Infrastructure
{
    public sealed class Store
    {
        public int Count { get; init; }
    }
}

namespace Broken.Api
{
    public sealed class Endpoint
    {
        public int Port { get; init; }
    }
}

namespace Broken.Application
{
    /// <summary>Breaks "Application does not reference Infrastructure or Api".</summary>
    public sealed class UsesInfrastructure(Broken.Infrastructure.Store store, Broken.Api.Endpoint endpoint)
    {
        public int Total => store.Count + endpoint.Port;
    }

    /// <summary>Breaks "commands are immutable": a settable property.</summary>
    public sealed class MutableCommand : ICommand<int>
    {
        public int Value { get; set; }
    }

    /// <summary>Breaks "handlers are internal and sealed": public and unsealed.</summary>
    public class MutableCommandHandler : ICommandHandler<MutableCommand, int>
    {
        public ValueTask<int> Handle(MutableCommand command, CancellationToken cancellationToken) => ValueTask.FromResult(command.Value);
    }

    /// <summary>Breaks "validators are internal and sealed".</summary>
    public class MutableCommandValidator : AbstractValidator<MutableCommand>;
}

namespace Broken.Infrastructure.Leaks
{
    /// <summary>Breaks "Infrastructure does not reference Api".</summary>
    public sealed class UsesApi(Broken.Api.Endpoint endpoint)
    {
        public int Port => endpoint.Port;
    }
}

namespace Broken.Api.Controllers
{
    /// <summary>Breaks "only the composition root uses Infrastructure".</summary>
    public sealed class ReachesIntoInfrastructure(Broken.Infrastructure.Store store)
    {
        public int Count => store.Count;
    }
}

namespace FluentValidationLike
{
    /// <summary>Stands in for FluentValidation's base type so the fixture needs no FluentValidation reference.</summary>
    public abstract class AbstractValidator<T>;
}
