using AigneHub.Application.Behaviours;
using AigneHub.Application.Errors;
using FluentValidation;

namespace AigneHub.UnitTests.Application.Behaviours;

public sealed class MessageValidationTests
{
    private sealed record Greeting(string Name);

    private sealed class SyncValidator : AbstractValidator<Greeting>
    {
        public SyncValidator() => RuleFor(g => g.Name).NotEmpty().WithMessage("name is required");
    }

    private sealed record Order(string Item);

    private sealed class AsyncValidator : AbstractValidator<Order>
    {
        public AsyncValidator()
        {
            RuleFor(o => o.Item).NotEmpty().WithMessage("item is required");
            RuleFor(o => o.Item).MustAsync(async (item, ct) =>
            {
                await Task.Yield();
                return item != "sold out";
            }).WithMessage("that item is sold out");
        }
    }

    [Fact]
    public async Task A_message_that_breaks_a_synchronous_rule_is_refused_with_the_field_named()
    {
        var refused = await Assert.ThrowsAsync<RequestValidationException>(() =>
            MessageValidation.ThrowIfInvalidAsync([new SyncValidator()], new Greeting(""), CancellationToken.None).AsTask());
        Assert.Contains(refused.Violations, v => v.Field == "Name" && v.Description == "name is required");
    }

    [Fact]
    public async Task A_valid_message_passes()
    {
        await MessageValidation.ThrowIfInvalidAsync([new SyncValidator()], new Greeting("Ada"), CancellationToken.None);
        await MessageValidation.ThrowIfInvalidAsync([new AsyncValidator()], new Order("tea"), CancellationToken.None);
    }

    [Fact]
    public async Task Asynchronous_rules_still_run_every_time()
    {
        for (var i = 0; i < 3; i++)
        {
            var refused = await Assert.ThrowsAsync<RequestValidationException>(() =>
                MessageValidation.ThrowIfInvalidAsync([new AsyncValidator()], new Order("sold out"), CancellationToken.None).AsTask());
            Assert.Contains(refused.Violations, v => v.Description == "that item is sold out");
        }
    }
}
