using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Operations;

/// <summary>The Hangfire dashboard is for admins only, and HTML answers carry the headers that keep browsers safe.</summary>
[Collection(HubCollection.Name)]
public sealed class JobsDashboardTests(HubFixture hub)
{
    [Fact]
    public async Task The_jobs_dashboard_answers_admins_only()
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);
        using var member = TestAccess.RestClient(hub.RestUri, await MemberKeyAsync());

        using var nobody = await anonymous.GetAsync("/admin/jobs");
        using var notAdmin = await member.GetAsync("/admin/jobs");
        using var owner = await hub.Rest.GetAsync("/admin/jobs");
        using var recurring = await hub.Rest.GetAsync("/admin/jobs/recurring");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), (nobody.StatusCode, notAdmin.StatusCode));
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
        Assert.Equal("text/html", owner.Content.Headers.ContentType?.MediaType);
        Assert.Contains("AIGNE Hub jobs", await owner.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("usage-reports-daily", await recurring.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Html_cannot_be_framed_and_nothing_is_sniffed_or_cached_on_the_api()
    {
        using var html = await hub.Rest.GetAsync("/admin/jobs");
        using var api = await hub.Rest.GetAsync("/api/usage/calls?limit=1");

        Assert.Equal("DENY", html.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("frame-ancestors 'none'", html.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", html.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(api.Headers.CacheControl?.NoStore);
        Assert.False(api.Headers.Contains("X-Frame-Options"));
    }

    private async Task<string> MemberKeyAsync()
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "jobs-member", role = "member", email = "jobs-member@example.com" });
        var userId = JsonDocument.Parse(await user.Content.ReadAsStringAsync()).RootElement.GetProperty("user").GetProperty("id").GetString();
        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "jobs key", scopes = new[] { "inference" } });
        return JsonDocument.Parse(await key.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
    }
}
