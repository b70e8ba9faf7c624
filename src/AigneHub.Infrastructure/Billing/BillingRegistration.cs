namespace AigneHub.Infrastructure.Billing;

internal static class BillingRegistration
{
    public static IServiceCollection AddBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Application.Billing.BillingOptions>()
            .Bind(configuration.GetSection(Application.Billing.BillingOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<BillingJobsOptions>().Bind(configuration.GetSection(BillingJobsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateCatalogueOptions>().Bind(configuration.GetSection(RateCatalogueOptions.Section)).ValidateOnStart();
        services.AddHttpClient(RateCatalogueReader.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false });
        services.AddSingleton<IRateCatalogue, RateCatalogueReader>();
        services.AddSingleton<IPromptTokenizers, PromptTokenizers>();
        services.AddTransient<BillingJobs>();
        services.AddHostedService<BillingJobSchedule>();
        services.AddHostedService<HoldLeaseRenewer>();
        services.AddHostedService<BalanceLeaseReturner>();
        return services;
    }
}
