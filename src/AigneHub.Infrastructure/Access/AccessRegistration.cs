namespace AigneHub.Infrastructure.Access;

internal static class AccessRegistration
{
    public static IServiceCollection AddAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        // Order matters: the owner is seeded before the key cache takes its first snapshot, and both before the hub serves.
        services.AddHostedService<AccessBootstrap>();
        services.AddSingleton<KeyUsageRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyUsageRecorder>());
        services.AddSingleton<AccessKeyCache>();
        services.AddSingleton<IAccessKeyAuthenticator>(sp => sp.GetRequiredService<AccessKeyCache>());
        services.AddSingleton<Application.Abstractions.IAccessCacheInvalidation>(sp => sp.GetRequiredService<AccessKeyCache>());
        services.AddSingleton<Application.Abstractions.IKeyLimitDefaults, ConfiguredKeyLimits>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessKeyCache>());

        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PostgresRateLimiter>();
        services.AddSingleton<AigneHub.Application.Abstractions.IRateLimiter>(sp => sp.GetRequiredService<PostgresRateLimiter>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresRateLimiter>());

        services.AddSingleton<Audit.MartenAuditTrail>();
        services.AddSingleton<AigneHub.Application.Abstractions.IAuditTrail>(sp => sp.GetRequiredService<Audit.MartenAuditTrail>());
        services.AddSingleton<Audit.CoalescingRefusalAudit>();
        services.AddSingleton<AigneHub.Application.Abstractions.IRefusalAudit>(sp => sp.GetRequiredService<Audit.CoalescingRefusalAudit>());
        services.AddHostedService(sp => sp.GetRequiredService<Audit.CoalescingRefusalAudit>());

        services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(nameof(OidcTokenAuthenticator), client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<IBearerTokenAuthenticator, OidcTokenAuthenticator>();
        return services;
    }
}
