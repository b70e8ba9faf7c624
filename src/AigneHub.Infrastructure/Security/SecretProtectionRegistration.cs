using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Infrastructure.Security;

internal static class SecretProtectionRegistration
{
    /// <summary>
    /// Binds and validates <see cref="SecretKeyRingOptions"/> at start-up and registers the key ring and the
    /// <see cref="ISecretProtector"/> as singletons.
    /// </summary>
    /// <param name="embeddedDataPath">
    /// The embedded database's data folder, where the hub keeps its own key ring when none is configured; null on an
    /// external database, where a key ring must be configured.
    /// </param>
    public static IServiceCollection AddSecretProtection(this IServiceCollection services, IConfiguration configuration, string? embeddedDataPath)
    {
        services.AddOptions<SecretKeyRingOptions>().Bind(configuration.GetSection(SecretKeyRingOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SecretKeyRingOptions>>(new SecretKeyRingOptionsValidator(embeddedDataPath)));

        services.TryAddSingleton(sp => SecretKeyRing.Load(sp.GetRequiredService<IOptions<SecretKeyRingOptions>>().Value, embeddedDataPath));
        services.TryAddSingleton<ISecretProtector, AesGcmSecretProtector>();
        return services;
    }
}
