using AigneHub.Application.Observability;
using AigneHub.Infrastructure.Billing;
using AigneHub.Infrastructure.Caching;
using AigneHub.Infrastructure.Budgets;
using AigneHub.Infrastructure.Access;
using AigneHub.Infrastructure.Jobs;
using AigneHub.Infrastructure.Observability;
using AigneHub.Infrastructure.Providers;
using AigneHub.Infrastructure.Providers.Demo;
using AigneHub.Infrastructure.Providers.OpenAI;
using AigneHub.Infrastructure.Providers.Registered;
using AigneHub.Infrastructure.Security;
using AigneHub.Infrastructure.Usage;
using AigneHub.Application.Usage;
using Hangfire.PostgreSql;

namespace AigneHub.Infrastructure;

public static class HealthTags
{
    /// <summary>Checks that decide readiness (/readyz and gRPC health), not liveness (/healthz).</summary>
    public const string Ready = "ready";
}

public static class DependencyInjection
{
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration, HubDatabase database)
    {
        services.AddSingleton(database);
        services.AddSecretProtection(configuration, database.EmbeddedDataPath);

        var analyticsSection = configuration.GetSection(AnalyticsOptions.Section);
        services.AddOptions<AnalyticsOptions>().Bind(analyticsSection).ValidateDataAnnotations().ValidateOnStart();
        var analytics = analyticsSection.Get<AnalyticsOptions>() ?? new AnalyticsOptions();

        var budget = AddConnectionBudget(services, configuration, database, analytics);

        // An unknown zone counts in UTC here only until options validation stops the start with a clear message.
        AnalyticsOptions.TryFindZone(analytics.TimeZone, out var statisticsZone);
        services.AddMarten(options => HubMartenConfiguration.Describe(options, statisticsZone))
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        // Marten's default log writes a stale version or a cancelled query at Error with SQL and parameter values.
        services.ConfigureMarten((provider, options) =>
            options.Logger(new HubMartenLogger(provider.GetRequiredService<ILoggerFactory>().CreateLogger(HubMartenLogger.Category))));
        services.AddStatisticsDaemon(analytics);

        services.AddOptions<CallRecordingOptions>().Bind(configuration.GetSection(CallRecordingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BatchingCallRecorder>();
        // Call metrics are counted from the records themselves (Observability/StampingCallRecorder).
        services.AddMetrics();
        services.AddSingleton<HubMetrics>();
        services.AddSingleton<ICallRecorder>(sp => new StampingCallRecorder(
            sp.GetRequiredService<BatchingCallRecorder>(),
            sp.GetRequiredService<AigneHub.Application.Abstractions.ICacheRequestContext>(),
            sp.GetRequiredService<AigneHub.Application.Abstractions.ITeamDirectory>(),
            sp.GetRequiredService<HubMetrics>()));
        services.AddHostedService(sp => sp.GetRequiredService<BatchingCallRecorder>());
        services.AddSingleton<ICallRecordReader, MartenCallRecordReader>();
        services.AddSingleton<IUsageStatisticsReader, MartenUsageStatisticsReader>();
        services.AddOptions<Application.Usage.Reports.ReportsOptions>().Bind(configuration.GetSection(Application.Usage.Reports.ReportsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AigneHub.Application.Abstractions.IReportDelivery, Usage.Reports.HangfireReportDelivery>();
        services.AddHttpClient(Usage.Reports.ReportJobs.WebhookClient, client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddHostedService<Usage.Reports.ReportJobSchedule>();
        services.AddBilling(configuration);
        services.AddResponseCache(configuration);
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [HealthTags.Ready]);

        services.AddAccess(configuration);
        services.AddSpendBudgets(configuration);
        services.AddSingleton<Teams.TeamDirectory>();
        services.AddSingleton<AigneHub.Application.Abstractions.ITeamDirectory>(sp => sp.GetRequiredService<Teams.TeamDirectory>());
        services.AddHostedService(sp => sp.GetRequiredService<Teams.TeamDirectory>());
        AddProviders(services, configuration, database);
        AddJobs(services, configuration, budget.HangfireConnectionString);
        return services;
    }

    /// <summary>
    /// Sizes every pool from Database:MaxConnections (ConnectionBudget) and registers the main pool, which Marten,
    /// the rate limiter and the health checks share.
    /// </summary>
    private static (ConnectionBudget Budget, string HangfireConnectionString) AddConnectionBudget(
        IServiceCollection services, IConfiguration configuration, HubDatabase database, AnalyticsOptions analytics)
    {
        var section = configuration.GetSection(DatabaseOptions.Section);
        services.AddOptions<DatabaseOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        var settings = section.Get<DatabaseOptions>() ?? new DatabaseOptions();
        var hangfire = configuration.GetSection(HangfireOptions.Section).Get<HangfireOptions>() ?? new HangfireOptions();
        var budget = ConnectionBudget.For(settings.MaxConnections, hangfire.ServerEnabled ? hangfire.WorkerCount : null, analytics.RunsDaemon);
        var main = budget.MainConnectionString(database.ConnectionString, settings.PoolWaitSeconds);
        services.AddSingleton(budget);
        services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(main));
        return (budget, budget.HangfireConnectionString(database.ConnectionString, settings.PoolWaitSeconds));
    }

    private static void AddProviders(IServiceCollection services, IConfiguration configuration, HubDatabase database)
    {
        // Registration order is routing priority for bare model names.
        var demo = configuration.GetSection(DemoProviderOptions.Section);
        services.AddOptions<DemoProviderOptions>().Bind(demo).ValidateDataAnnotations().ValidateOnStart();
        var demoEnabled = demo.GetValue<bool?>(nameof(DemoProviderOptions.Enabled)) ?? database.IsEmbedded;
        if (demoEnabled)
        {
            services.AddSingleton<IChatProvider, DemoChatProvider>();
        }

        // Then the providers set up from "Providers:<Name>" sections (openai, deepseek, openrouter, xai, doubao, poe,
        // ollama: ConfiguredProviderRegistration.Definitions), each calling the adapter of its protocol.
        services.AddOpenAIChatAdapter(configuration);
        services.AddConfiguredProviders(configuration);
        services.AddRegisteredProviders(configuration);
        services.AddMediaProviders(configuration, demoEnabled);
        services.AddSingleton<IProviderCatalog, ProviderCatalog>();
    }

    private static void AddJobs(IServiceCollection services, IConfiguration configuration, string hangfireConnectionString)
    {
        var section = configuration.GetSection(HangfireOptions.Section);
        services.AddOptions<HangfireOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        var hangfire = section.Get<HangfireOptions>() ?? new HangfireOptions();

        services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                storage => storage.UseNpgsqlConnection(hangfireConnectionString),
                new PostgreSqlStorageOptions { SchemaName = hangfire.Schema, PrepareSchemaIfNecessary = true }));

        services.AddOptions<CredentialRecheckOptions>()
            .Bind(configuration.GetSection(CredentialRecheckOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddTransient<CredentialRecheckJob>();
        services.AddTransient<ExpiredImageCleanupJob>();
        services.AddHostedService<RecurringJobSchedule>();

        if (hangfire.ServerEnabled)
        {
            // The instance's switches pick the queues its server works on; the schedule itself is the cluster's.
            var queues = JobQueues.For(
                billing: configuration.GetSection(BillingJobsOptions.Section).GetValue(nameof(BillingJobsOptions.Enabled), true),
                images: configuration.GetSection(Images.ImageStorageOptions.Section).GetValue(nameof(Images.ImageStorageOptions.CleanupEnabled), true),
                reports: configuration.GetSection(Application.Usage.Reports.ReportsOptions.Section).GetValue(nameof(Application.Usage.Reports.ReportsOptions.Enabled), true),
                credentials: configuration.GetSection(CredentialRecheckOptions.Section).GetValue(nameof(CredentialRecheckOptions.Enabled), true),
                cache: configuration.GetSection(Application.Caching.ResponseCacheOptions.Section).GetValue(nameof(Application.Caching.ResponseCacheOptions.PruneEnabled), true));
            services.AddHangfireServer(server =>
            {
                server.Queues = queues;
                server.WorkerCount = hangfire.WorkerCount;
                server.ServerName = $"aignehub:{Environment.MachineName}:{Environment.ProcessId}";
            });
        }
    }
}
