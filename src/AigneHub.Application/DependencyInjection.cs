using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Behaviours;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Application;

public static class DependencyInjection
{
    /// <summary>Registers the use cases, their validators and the pipeline (logging → unhandled-exception translation → audit → validation → model-call admission: caller, scope, model allow-list, rate limits → response cache → handler).</summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Singleton;
            options.Assemblies = [typeof(DependencyInjection)];
            options.PipelineBehaviors = [typeof(LoggingBehaviour<,>), typeof(UnhandledExceptionBehaviour<,>), typeof(Audit.AuditBehaviour<,>), typeof(ValidationBehaviour<,>), typeof(Access.ModelCallAdmissionBehaviour<,>), typeof(Caching.ResponseCacheBehaviour<,>)];
            options.StreamPipelineBehaviors = [typeof(StreamLoggingBehaviour<,>), typeof(StreamUnhandledExceptionBehaviour<,>), typeof(StreamValidationBehaviour<,>), typeof(Access.StreamModelCallAdmissionBehaviour<,>), typeof(Caching.StreamResponseCacheBehaviour<,>)];
        });

        services.AddValidatorsFromAssembly(typeof(DependencyInjection).Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        services.AddSingleton<Common.Routing.Fallbacks.FallbackChain>();
        services.AddOptions<ChatRoutingOptions>();
        services.AddOptions<Usage.Common.AnalyticsOptions>();
        services.AddOptions<Usage.Reports.ReportsOptions>();
        services.AddSingleton<Common.Routing.ModelRouter>();
        services.AddSingleton<ChatBilling>();
        services.AddSingleton<Images.Common.ImageCalls>();
        services.AddSingleton<Common.ModelCalls.InferenceCalls>();
        services.AddOptions<Caching.ResponseCacheOptions>();
        services.AddSingleton<Caching.ResponseCache>();
        services.TryAddSingleton<Caching.ICacheRequestContext, Caching.NoCacheRequest>();
        services.AddSingleton<Caching.CacheHitAccounting>();
        services.AddSingleton<PromptTokenBound>();
        services.AddOptions<Billing.Common.BillingOptions>();
        services.AddSingleton<Billing.Common.BillingCache>();
        services.AddSingleton<Billing.Common.HoldLeases>();
        services.AddSingleton<Billing.Common.CreditLedgerWriter>();
        services.AddSingleton<Billing.Common.BalanceLeases>();
        services.TryAddSingleton<Abstractions.ICallBilling, Billing.Common.CallBilling>();
        services.AddSingleton<Audit.AuditSnapshots>();
        services.AddSingleton<Budgets.Common.BudgetAdmission>();
        services.AddSingleton<Budgets.Common.BudgetSubjects>();
        services.TryAddSingleton<Budgets.Common.IBudgetNotices, Budgets.Common.NoBudgetNotices>();
        services.TryAddSingleton<Budgets.Common.ISpendBudgets, Budgets.Common.NoSpendBudgets>();
        services.TryAddSingleton<Teams.Common.ITeamDirectory, Teams.Common.NoTeamDirectory>();
        services.AddSingleton<Providers.Common.CredentialChecks>();
        services.AddSingleton<Common.Observability.MetricLabels>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
