using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>Start-up validation of <see cref="AnthropicAdapterOptions"/>, reporting every problem at once.</summary>
internal sealed class AnthropicAdapterOptionsValidator : IValidateOptions<AnthropicAdapterOptions>
{
    public ValidateOptionsResult Validate(string? name, AnthropicAdapterOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
