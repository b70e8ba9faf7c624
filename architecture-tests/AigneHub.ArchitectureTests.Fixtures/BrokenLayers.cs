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

    /// <summary>Breaks "domain exceptions are domain rule exceptions": an area's own rule exception on its own base.</summary>
    public sealed class QuotaRuleException(string message) : Exception(message);

    /// <summary>Breaks "decisions take a command record": seven positional values.</summary>
    public static class OrderDecisions
    {
        public static object Place(object current, string orderId, string item, int quantity, decimal price, string by, DateTimeOffset at) =>
            new { current, orderId, item, quantity, price, by, at };
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

namespace Broken.Application.Calls
{
    /// <summary>Stands in for the hub's model-call marker.</summary>
    public interface IModelCall
    {
        string Model { get; }
    }

    /// <summary>Stands in for a provider port of a new call type.</summary>
    public interface IVideoProvider
    {
        Task<string> RenderAsync(string model, CancellationToken cancellationToken);
    }

    /// <summary>A router in between, as the hub's chat router is: handlers reach the provider through it.</summary>
    public sealed class VideoRouter(IVideoProvider provider)
    {
        public Task<string> RouteAsync(string model, CancellationToken cancellationToken) => provider.RenderAsync(model, cancellationToken);
    }

    /// <summary>Breaks "a message whose handler reaches a provider is a model call": a new call type without the marker.</summary>
    public sealed record GenerateVideoCommand(string Model) : ICommand<string>;

    internal sealed class GenerateVideoCommandHandler(VideoRouter router) : ICommandHandler<GenerateVideoCommand, string>
    {
        public async ValueTask<string> Handle(GenerateVideoCommand command, CancellationToken cancellationToken) =>
            await router.RouteAsync(command.Model, cancellationToken);
    }

    /// <summary>The same call type done right: carries the marker, and the rule lets it be (its handler calls the port in a lambda).</summary>
    public sealed record GenerateClipCommand(string Model) : ICommand<string>, IModelCall;

    internal sealed class GenerateClipCommandHandler(IVideoProvider provider) : ICommandHandler<GenerateClipCommand, string>
    {
        public async ValueTask<string> Handle(GenerateClipCommand command, CancellationToken cancellationToken)
        {
            Func<Task<string>> render = () => provider.RenderAsync(command.Model, cancellationToken);
            return await render();
        }
    }
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
