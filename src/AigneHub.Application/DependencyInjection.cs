using AigneHub.Application.Behaviours;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Application;

public static class DependencyInjection
{
    /// <summary>Registers the use cases, their validators and the pipeline (logging, which also turns unexpected faults into InternalFault → audit (audited commands only) → validation → model-call admission: caller, scope, model allow-list, rate limits → response cache → handler).</summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Singleton;
            options.Assemblies = [typeof(DependencyInjection)];
            options.PipelineBehaviors = [typeof(LoggingBehaviour<,>), typeof(Audit.AuditBehaviour<,>), typeof(Access.ActorStandingBehaviour<,>), typeof(ValidationBehaviour<,>), typeof(Access.ModelCallAdmissionBehaviour<,>), typeof(Caching.ResponseCacheBehaviour<,>)];
            options.StreamPipelineBehaviors = [typeof(StreamLoggingBehaviour<,>), typeof(StreamValidationBehaviour<,>), typeof(Access.StreamModelCallAdmissionBehaviour<,>), typeof(Caching.StreamResponseCacheBehaviour<,>)];
        });

        services.AddValidatorsFromAssembly(typeof(DependencyInjection).Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        services.AddSingleton<Routing.Fallbacks.FallbackChain>();
        services.AddOptions<ModelCalls.ChatRoutingOptions>();
        services.AddOptions<Usage.AnalyticsOptions>();
        services.AddOptions<Usage.Reports.ReportsOptions>();
        services.AddSingleton<Routing.ModelRouter>();
        services.AddSingleton<ChatBilling>();
        services.AddSingleton<Images.ImageCalls>();
        services.AddSingleton<ModelCalls.InferenceCalls>();
        services.AddOptions<Caching.ResponseCacheOptions>();
        services.AddSingleton<Caching.ResponseCache>();
        services.TryAddSingleton<AigneHub.Application.Abstractions.ICacheRequestContext, Caching.NoCacheRequest>();
        services.AddSingleton<Caching.CacheHitAccounting>();
        services.AddSingleton<PromptTokenBound>();
        services.AddOptions<Billing.BillingOptions>();
        services.AddSingleton<Billing.BillingCache>();
        services.TryAddSingleton<HubInstance>();
        services.AddSingleton<Billing.HoldLeases>();
        services.AddSingleton<Billing.CreditLedgerWriter>();
        services.AddSingleton<Billing.BalanceLeases>();
        services.TryAddSingleton<Abstractions.ICallBilling, Billing.CallBilling>();
        services.AddSingleton<Audit.AuditSnapshots>();
        services.AddSingleton<Budgets.BudgetAdmission>();
        services.AddSingleton<Budgets.BudgetSubjects>();
        services.TryAddSingleton<Budgets.IBudgetNotices, Budgets.NoBudgetNotices>();
        services.TryAddSingleton<AigneHub.Application.Abstractions.ISpendBudgets, AigneHub.Application.Abstractions.NoSpendBudgets>();
        services.TryAddSingleton<AigneHub.Application.Abstractions.ITeamDirectory, AigneHub.Application.Abstractions.NoTeamDirectory>();
        services.AddSingleton<Providers.CredentialChecks>();
        services.AddSingleton<Observability.MetricLabels>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
