using AigneHub.Application.Caching;
using Hangfire;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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

/// <summary>Puts the prune of expired cached answers on Hangfire's schedule (every 10 minutes), or takes it off.</summary>
internal sealed class ResponseCachePruneSchedule(IRecurringJobManager jobs, IOptions<ResponseCacheOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.PruneEnabled)
        {
            jobs.AddOrUpdate<ResponseCacheCleanupJob>(ResponseCacheCleanupJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), "*/10 * * * *");
        }
        else
        {
            jobs.RemoveIfExists(ResponseCacheCleanupJob.RecurringJobId);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
