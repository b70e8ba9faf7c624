using Hangfire;
using Hangfire.Dashboard;

namespace AigneHub.Api.Hosting;

/// <summary>
/// Hangfire's dashboard at /admin/jobs, for admins only: the hub's own authentication decides (admin role and the
/// admin:read scope, 401/403 otherwise); callers with admin:write may also trigger, retry and delete jobs, others only
/// look. Hangfire's default local-requests-only filter is replaced by one that requires that authenticated admin.
/// </summary>
internal static class JobsDashboard
{
    public const string Path = "/admin/jobs";

    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        app.MapHangfireDashboard(Path, new DashboardOptions
        {
            Authorization = [new HubAdminFilter()],
            IsReadOnlyFunc = context => CallerOf(context) is not { } caller || !caller.Scopes.Contains(KeyScopes.AdminWrite),
            DisplayStorageConnectionString = false,
            DashboardTitle = "AIGNE Hub jobs",
        })
        .WithMetadata(new HubAccessAttribute(KeyScopes.AdminRead) { AdminRole = true });
        return app;
    }

    private static Caller? CallerOf(DashboardContext context) =>
        context.GetHttpContext().Items.TryGetValue(typeof(Caller), out var caller) ? caller as Caller : null;

    private sealed class HubAdminFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) =>
            CallerOf(context) is { Role: not UserRole.Member } caller && caller.Scopes.Contains(KeyScopes.AdminRead);
    }
}
