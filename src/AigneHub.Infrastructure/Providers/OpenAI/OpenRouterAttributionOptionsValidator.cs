namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>Start-up validation of <see cref="OpenRouterAttributionOptions"/>, reporting every problem at once.</summary>
internal sealed class OpenRouterAttributionOptionsValidator : IValidateOptions<OpenRouterAttributionOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenRouterAttributionOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
