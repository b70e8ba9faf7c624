namespace AigneHub.Infrastructure.Budgets;

internal static class BudgetRegistration
{
    /// <summary>The spend budgets' shared counters (and their schema at start-up), the soft-threshold webhook job and the reservation recovery job.</summary>
    public static IServiceCollection AddSpendBudgets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BudgetOptions>().Bind(configuration.GetSection(BudgetOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PostgresSpendBudgets>();
        services.AddSingleton<AigneHub.Application.Abstractions.ISpendBudgets>(sp => sp.GetRequiredService<PostgresSpendBudgets>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresSpendBudgets>());
        services.AddTransient<BudgetAlertJobs>();
        services.AddTransient<BudgetJobs>();
        services.AddHostedService<BudgetJobSchedule>();
        return services;
    }
}
