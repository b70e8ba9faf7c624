using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Configured;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Bedrock;

internal static class BedrockAdapterRegistration
{
    /// <summary>
    /// Registers the Bedrock Converse adapter as an <see cref="IChatAdapter"/>, its HTTP client, and its options
    /// (bound from <see cref="BedrockAdapterOptions.Section"/>, validated at start-up).
    /// </summary>
    public static IServiceCollection AddBedrockAdapter(this IServiceCollection services)
    {
        services.AddOptions<BedrockAdapterOptions>().BindConfiguration(BedrockAdapterOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BedrockAdapterOptions>, BedrockAdapterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddAdapterHttpClient(BedrockConverseAdapter.HttpClientName);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, BedrockConverseAdapter>());
        return services;
    }
}

/// <summary>Start-up validation of <see cref="BedrockAdapterOptions"/>, reporting every problem at once.</summary>
internal sealed class BedrockAdapterOptionsValidator : IValidateOptions<BedrockAdapterOptions>
{
    public ValidateOptionsResult Validate(string? name, BedrockAdapterOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
