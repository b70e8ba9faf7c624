using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>Start-up validation of <see cref="ProviderHttpOptions"/>, reporting every problem at once.</summary>
internal sealed class ProviderHttpOptionsValidator : IValidateOptions<ProviderHttpOptions>
{
    public ValidateOptionsResult Validate(string? name, ProviderHttpOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
