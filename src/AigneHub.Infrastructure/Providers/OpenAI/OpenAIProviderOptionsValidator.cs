using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>Start-up validation of <see cref="OpenAIProviderOptions"/>, reporting every problem at once.</summary>
internal sealed class OpenAIProviderOptionsValidator : IValidateOptions<OpenAIProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenAIProviderOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
