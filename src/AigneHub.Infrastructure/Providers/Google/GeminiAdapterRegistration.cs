using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Configured;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Google;

internal static class GeminiAdapterRegistration
{
    /// <summary>
    /// Registers the Gemini adapter as an <see cref="IChatAdapter"/>, its validated <see cref="GeminiAdapterOptions"/>
    /// and its HTTP client.
    /// </summary>
    public static IServiceCollection AddGeminiAdapter(this IServiceCollection services)
    {
        services.AddOptions<GeminiAdapterOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeminiAdapterOptions>, GeminiAdapterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddAdapterHttpClient(GeminiAdapter.HttpClientName);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, GeminiAdapter>());
        return services;
    }

    private sealed class GeminiAdapterOptionsValidator : IValidateOptions<GeminiAdapterOptions>
    {
        public ValidateOptionsResult Validate(string? name, GeminiAdapterOptions options)
        {
            var failures = options.Validate();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
