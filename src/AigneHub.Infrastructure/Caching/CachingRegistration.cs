using AigneHub.Application.Caching;

namespace AigneHub.Infrastructure.Caching;

internal static class CachingRegistration
{
    /// <summary>The response cache's options, its shared store, and the recurring prune of expired answers.</summary>
    public static IServiceCollection AddResponseCache(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ResponseCacheOptions>().Bind(configuration.GetSection(ResponseCacheOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        // Cached answers: read by key on the call path, pruned and purged by expiry, scope and model.
        services.ConfigureMarten(options => options.Schema.For<CachedAnswerDocument>()
            .Identity(x => x.Id)
            .Index(x => x.ExpiresAt)
            .Duplicate(x => x.Scope)
            .Duplicate(x => x.Model));
        services.AddSingleton<IResponseCacheStore, ResponseCacheStore>();
        services.AddTransient<ResponseCacheCleanupJob>();
        services.AddHostedService<ResponseCachePruneSchedule>();
        return services;
    }
}

/// <summary>
/// Puts the prune of expired cached answers on Hangfire's shared schedule (every 10 minutes), on instances that manage
/// the schedule. The definition is the cluster's: Cache:PruneEnabled only decides whether this instance's server works
/// on the cache queue (<see cref="Jobs.JobQueues"/>), so an instance with it off never takes the job from the others.
/// </summary>
internal sealed class ResponseCachePruneSchedule(IRecurringJobManager jobs, IOptions<Jobs.HangfireOptions> hangfire) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (hangfire.Value.ManageSchedule)
        {
            jobs.AddOrUpdate<ResponseCacheCleanupJob>(ResponseCacheCleanupJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), "*/10 * * * *");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
