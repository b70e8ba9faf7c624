using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Domain.Access;
using AigneHub.Domain.Budgets;
using AigneHub.Tests.Shared;
using AigneHub.TestUpstreams;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AigneHub.FunctionalTests.Teams;

/// <summary>
/// Teams through the whole hub: a team's admin manages that team's members, keys and budget, and cannot touch another
/// team; a user can be in several teams; a team's budget limits the calls of its keys,
/// whose call records carry the team (usage can be filtered and grouped by it).
/// </summary>
[Collection(HubCollection.Name)]
public sealed class TeamTests(HubFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "hello" }];

    [Fact]
    public async Task A_team_admin_manages_their_own_team_and_cannot_touch_another_team()
    {
        var (alice, bob, carol) = (await UserAsync("alice"), await UserAsync("bob"), await UserAsync("carol"));
        var red = await TeamAsync("red");
        var blue = await TeamAsync("blue");
        await MemberAsync(hub.Rest, red, alice, "admin");
        await MemberAsync(hub.Rest, blue, carol, "member");
        using var asAlice = TestAccess.RestClient(hub.RestUri, await KeyAsync(alice));

        using var ownMember = await MemberAsync(asAlice, red, bob, "member");
        using var ownKey = await asAlice.PostAsJsonAsync($"/api/teams/{red}/keys", new { user_id = alice, name = "alice's red key", scopes = new[] { KeyScopes.Inference } });
        using var ownBudget = await asAlice.PostAsJsonAsync($"/api/teams/{red}/budget", new { budget = new { limit_usd = "5", period = "month" } });
        using var otherMember = await MemberAsync(asAlice, blue, bob, "member");
        using var otherKey = await asAlice.PostAsJsonAsync($"/api/teams/{blue}/keys", new { user_id = carol, name = "not hers", scopes = new[] { KeyScopes.Inference } });
        using var otherBudget = await asAlice.PostAsJsonAsync($"/api/teams/{blue}/budget", new { budget = new { limit_usd = "5", period = "month" } });
        using var otherRead = await asAlice.GetAsync($"/api/teams/{blue}");
        using var hubBudget = await asAlice.PostAsJsonAsync("/api/admin/budgets", new { scope = "team", subject_id = blue, limit_usd = "5", period = "month" });
        using var outsider = await asAlice.PostAsJsonAsync($"/api/teams/{red}/keys", new { user_id = carol, name = "carol is not in red", scopes = new[] { KeyScopes.Inference } });

        Assert.True(ownMember.IsSuccessStatusCode, await ownMember.Content.ReadAsStringAsync());
        Assert.True(ownKey.IsSuccessStatusCode, await ownKey.Content.ReadAsStringAsync());
        Assert.True(ownBudget.IsSuccessStatusCode, await ownBudget.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, otherMember.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherBudget.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherRead.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, hubBudget.StatusCode);
        // A team's admin issues team keys to themselves only, so asking one for anyone else is 403, an outsider included.
        Assert.Equal(HttpStatusCode.Forbidden, outsider.StatusCode);
        using var blueNow = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/teams/{blue}"));
        Assert.Equal([carol], blueNow.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("user_id").GetString()));
        Assert.Equal(0, blueNow.RootElement.GetProperty("key_ids").GetArrayLength());

        // Listing: a team admin sees the teams they are in, a hub admin every team.
        using var alicesTeams = JsonDocument.Parse(await asAlice.GetStringAsync("/api/teams"));
        using var everyTeam = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/teams"));
        Assert.Equal([red], alicesTeams.RootElement.GetProperty("teams").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.Superset(
            new HashSet<string?> { red, blue },
            everyTeam.RootElement.GetProperty("teams").EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToHashSet());
    }

    [Fact]
    public async Task A_team_admin_issues_team_keys_only_to_themselves_while_a_hub_admin_issues_them_to_any_member()
    {
        // A team key spends its owner's credits and budget, and its secret is answered to whoever issued it: a team's
        // admin holding a key of another member would spend what that member never agreed to.
        var (wade, xena, yuri) = (await UserAsync("wade"), await UserAsync("xena"), await UserAsync("yuri", "admin"));
        var rust = await TeamAsync("rust");
        (await MemberAsync(hub.Rest, rust, wade, "admin")).Dispose();
        (await MemberAsync(hub.Rest, rust, xena, "member")).Dispose();
        using var asWade = TestAccess.RestClient(hub.RestUri, await KeyAsync(wade));
        using var asXena = TestAccess.RestClient(hub.RestUri, await KeyAsync(xena));
        using var asYuri = TestAccess.RestClient(hub.RestUri, await KeyAsync(yuri, KeyScopes.Inference, KeyScopes.AdminWrite));

        using var forXena = await asWade.PostAsJsonAsync($"/api/teams/{rust}/keys", new { user_id = xena, name = "xena's, held by wade", scopes = new[] { KeyScopes.Inference } });
        using var forWade = await asWade.PostAsJsonAsync($"/api/teams/{rust}/keys", new { user_id = wade, name = "wade's own", scopes = new[] { KeyScopes.Inference } });
        using var byMember = await asXena.PostAsJsonAsync($"/api/teams/{rust}/keys", new { user_id = xena, name = "a member issues none", scopes = new[] { KeyScopes.Inference } });
        using var byHubAdmin = await asYuri.PostAsJsonAsync($"/api/teams/{rust}/keys", new { user_id = xena, name = "xena's, from a hub admin", scopes = new[] { KeyScopes.Inference } });

        Assert.Equal(HttpStatusCode.Forbidden, forXena.StatusCode);
        Assert.Contains("user_id", await forXena.Content.ReadAsStringAsync());
        Assert.Contains(await AuditAsync($"team:{rust}"), e => e.Kind == "CreateTeamKey" && e.Actor.StartsWith(wade + " ", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        var wadesKey = await IssuedKeyAsync(forWade);
        var xenasKey = await IssuedKeyAsync(byHubAdmin);
        Assert.Equal((wade, xena), (wadesKey.UserId, xenasKey.UserId));
        using var rustNow = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/teams/{rust}"));
        Assert.Equal(
            new HashSet<string> { wadesKey.Id, xenasKey.Id },
            rustNow.RootElement.GetProperty("key_ids").EnumerateArray().Select(k => k.GetString()!).ToHashSet());
        using var xenasKeys = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/keys?user_id={xena}"));
        Assert.Equal(
            new HashSet<string> { "team admin key", "xena's, from a hub admin" },
            xenasKeys.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("name").GetString()!).ToHashSet());

        // Nor does rotating the member's team key give its new secret to the team's admin.
        using var rotateOwn = await asWade.PostAsJsonAsync($"/api/user/keys/{xenasKey.Id}:rotate", new { expected_version = 1 });
        using var rotateAdmin = await asWade.PostAsJsonAsync($"/api/admin/keys/{xenasKey.Id}:rotate", new { expected_version = 1 });
        Assert.Equal(HttpStatusCode.NotFound, rotateOwn.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, rotateAdmin.StatusCode);
    }

    [Fact]
    public async Task A_team_admin_only_tightens_their_teams_budget_which_a_hub_admin_raises_and_deletes()
    {
        // A budget a hub admin put on a team limits the team, its admin included: the admin may lower it, not lift it.
        var (zoe, abe) = (await UserAsync("zoe"), await UserAsync("abe", "admin"));
        var sand = await TeamAsync("sand");
        (await MemberAsync(hub.Rest, sand, zoe, "admin")).Dispose();
        using var asZoe = TestAccess.RestClient(hub.RestUri, await KeyAsync(zoe));
        using var asAbe = TestAccess.RestClient(hub.RestUri, await KeyAsync(abe, KeyScopes.Inference, KeyScopes.AdminWrite));
        using var put = await hub.Rest.PostAsJsonAsync($"/api/teams/{sand}/budget", new { budget = new { limit_usd = "10", soft_limit_usd = "8", period = "month" } });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        using var lowered = await asZoe.PostAsJsonAsync($"/api/teams/{sand}/budget", new { budget = new { limit_usd = "5", soft_limit_usd = "4", period = "month" } });
        using var raised = await asZoe.PostAsJsonAsync($"/api/teams/{sand}/budget", new { budget = new { limit_usd = "50", soft_limit_usd = "4", period = "month" } });
        using var reperiod = await asZoe.PostAsJsonAsync($"/api/teams/{sand}/budget", new { budget = new { limit_usd = "5", soft_limit_usd = "4", period = "day" } });
        using var deleted = await asZoe.DeleteAsync($"/api/admin/budgets/team:{sand}");

        Assert.True(lowered.IsSuccessStatusCode, await lowered.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, raised.StatusCode);
        Assert.Contains("limit_usd", await raised.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, reperiod.StatusCode);
        Assert.Contains("period", await reperiod.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, deleted.StatusCode);
        Assert.Equal(("5", "month"), await TeamBudgetAsync(sand));

        using var raisedByHubAdmin = await asAbe.PostAsJsonAsync($"/api/teams/{sand}/budget", new { budget = new { limit_usd = "50", period = "month" } });
        Assert.True(raisedByHubAdmin.IsSuccessStatusCode, await raisedByHubAdmin.Content.ReadAsStringAsync());
        Assert.Equal(("50", "month"), await TeamBudgetAsync(sand));
        using var deletedByHubAdmin = await asAbe.DeleteAsync($"/api/admin/budgets/team:{sand}");
        Assert.True(deletedByHubAdmin.IsSuccessStatusCode, await deletedByHubAdmin.Content.ReadAsStringAsync());
        Assert.Null(await TeamBudgetAsync(sand));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_team_admins_budget_change_made_during_another_change_of_it_is_decided_on_what_that_one_left(bool hadBudget)
    {
        // A team's admin only tightens the budget, judged against the one it replaces. A change judged on the budget
        // (100, or none yet) that another change was replacing at that moment (with 50) must not land after it and
        // leave the team with 80: looser than what was set last.
        var fern = await UserAsync("fern");
        var moss = await TeamAsync("moss");
        (await MemberAsync(hub.Rest, moss, fern, "admin")).Dispose();
        using var asFern = TestAccess.RestClient(hub.RestUri, await KeyAsync(fern));
        if (hadBudget)
        {
            using var put = await hub.Rest.PostAsJsonAsync($"/api/teams/{moss}/budget", new { budget = new { limit_usd = "100", period = "month" } });
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        // Another change (a hub admin's, to 50) is under way when the team's admin lowers it to 80.
        using var answer = await DuringAnotherChangeAsync(moss, 50m, () => asFern.PostAsJsonAsync($"/api/teams/{moss}/budget", new { budget = new { limit_usd = "80", period = "month" } }));

        // The admin's 80 is judged against 50: a raise, refused, and the budget stays as the hub admin set it.
        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Contains("limit_usd", await answer.Content.ReadAsStringAsync());
        Assert.Equal(("50", "month"), await TeamBudgetAsync(moss));
    }

    [Fact]
    public async Task A_teams_budget_deleted_during_another_change_of_it_is_deleted_after_that_one()
    {
        // A deletion is decided on the budget as the change under way leaves it, not lost under it.
        var reed = await TeamAsync("reed");
        using var put = await hub.Rest.PostAsJsonAsync($"/api/teams/{reed}/budget", new { budget = new { limit_usd = "100", period = "month" } });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        using var deleted = await DuringAnotherChangeAsync(reed, 50m, () => hub.Rest.DeleteAsync($"/api/admin/budgets/team:{reed}"));

        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        Assert.Null(await TeamBudgetAsync(reed));
    }

    [Fact]
    public async Task A_user_can_be_in_several_teams_and_a_teams_budget_limits_the_calls_of_its_keys_which_usage_counts_as_the_teams()
    {
        var dana = await UserAsync("dana");
        var green = await TeamAsync("green");
        var amber = await TeamAsync("amber");
        (await MemberAsync(hub.Rest, green, dana, "member")).Dispose();
        (await MemberAsync(hub.Rest, amber, dana, "member")).Dispose();
        using var rate = await hub.Rest.PostAsJsonAsync("/api/admin/rates:fromUnitCost", new
        {
            type = "chat", provider = "openai", model = "team-probe", unit_costs = new { input_usd = "0.001", output_usd = "0.001" },
        });
        Assert.True(rate.IsSuccessStatusCode, await rate.Content.ReadAsStringAsync());
        using var key = await hub.Rest.PostAsJsonAsync($"/api/teams/{green}/keys", new { user_id = dana, name = "dana's green key", scopes = new[] { KeyScopes.Inference } });
        using var keyBody = JsonDocument.Parse(await key.Content.ReadAsStringAsync());
        using var budget = await hub.Rest.PostAsJsonAsync($"/api/teams/{green}/budget", new { budget = new { limit_usd = "0.0001", period = "day" } });
        Assert.True(budget.IsSuccessStatusCode, await budget.Content.ReadAsStringAsync());
        using var asDana = TestAccess.RestClient(hub.RestUri, keyBody.RootElement.GetProperty("secret").GetString());
        hub.Upstream.Reset();
        hub.Upstream.Reply("ok", new FakeUsage(10, 10));

        using var refused = await asDana.PostAsJsonAsync("/v1/chat/completions", new { model = "openai/team-probe", messages = Hello, max_tokens = 10 });
        using var free = await asDana.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = Hello });

        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Contains("Your team's spend budget", body);
        Assert.Empty(hub.Upstream.Requests);
        Assert.True(free.IsSuccessStatusCode, await free.Content.ReadAsStringAsync());
        var record = await hub.WaitForCallRecordAsync(free.Headers.GetValues("x-request-id").Single());
        Assert.Equal(green, record.GetProperty("team_id").GetString());
        using var teamCalls = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/usage/calls?team_id={green}"));
        Assert.All(teamCalls.RootElement.GetProperty("calls").EnumerateArray(), call => Assert.Equal(green, call.GetProperty("team_id").GetString()));
        Assert.Equal(2, teamCalls.RootElement.GetProperty("calls").GetArrayLength());
        Assert.Equal(2, (await StatisticsGroupsAsync(hub.Rest, "group_by=team")).GetValueOrDefault(green));
        foreach (var team in new[] { green, amber })
        {
            using var view = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/teams/{team}"));
            Assert.Contains(dana, view.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("user_id").GetString()));
        }
    }

    [Fact]
    public async Task A_team_admin_reads_their_teams_calls_statistics_and_report_but_not_another_teams_nor_the_hubs()
    {
        var (gina, hank, ivy) = (await UserAsync("gina"), await UserAsync("hank"), await UserAsync("ivy"));
        var teal = await TeamAsync("teal");
        var plum = await TeamAsync("plum");
        (await MemberAsync(hub.Rest, teal, gina, "admin")).Dispose();
        (await MemberAsync(hub.Rest, teal, hank, "member")).Dispose();
        (await MemberAsync(hub.Rest, plum, ivy, "member")).Dispose();
        using var asGina = TestAccess.RestClient(hub.RestUri, await KeyAsync(gina));
        var tealCall = await TeamCallAsync(teal, hank);
        await TeamCallAsync(plum, ivy);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        using var generate = await hub.Rest.PostAsJsonAsync("/api/admin/usage/reports:generate", new { kind = "daily", period = today });
        Assert.True(generate.IsSuccessStatusCode, await generate.Content.ReadAsStringAsync());

        using var calls = JsonDocument.Parse(await asGina.GetStringAsync($"/api/usage/calls?team_id={teal}"));
        var statistics = await StatisticsGroupsAsync(asGina, $"team_id={teal}&group_by=user");
        using var reports = JsonDocument.Parse(await asGina.GetStringAsync($"/api/usage/reports?kind=daily&scope=team:{teal}"));
        var report = Assert.Single(reports.RootElement.GetProperty("reports").EnumerateArray(), r => r.GetProperty("period").GetString() == today);
        using var download = await asGina.GetAsync($"/api/usage/reports/{report.GetProperty("id").GetString()}/download");
        using var otherCalls = await asGina.GetAsync($"/api/usage/calls?team_id={plum}");
        using var otherStatistics = await asGina.GetAsync($"/api/usage/statistics?team_id={plum}");
        using var otherReports = await asGina.GetAsync($"/api/usage/reports?scope=team:{plum}");
        using var otherDownload = await asGina.GetAsync($"/api/usage/reports/daily-{today}-team-{plum}/download");
        using var hubWide = JsonDocument.Parse(await asGina.GetStringAsync("/api/usage/statistics"));

        Assert.Equal([tealCall], calls.RootElement.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("request_id").GetString()));
        Assert.Equal(new Dictionary<string, long> { [hank] = 1 }, statistics);
        Assert.Equal($"team:{teal}", report.GetProperty("scope").GetString());
        Assert.Equal(1, report.GetProperty("calls").GetInt64());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherCalls.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherStatistics.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherReports.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherDownload.StatusCode);
        Assert.False(hubWide.RootElement.GetProperty("totals").TryGetProperty("calls", out var hubCalls) && hubCalls.GetInt64() != 0, $"a team admin read {hubCalls} calls hub-wide");
    }

    [Fact]
    public async Task A_hub_admins_key_without_an_admin_scope_manages_no_team_it_is_not_the_admin_of()
    {
        // A hub admin whose key was given only "inference" (say, for an app): the key must not lend them the hub-wide
        // authority over teams that an admin:write key has. As a team's admin they still manage that team.
        var (olga, pete) = (await UserAsync("olga", "admin"), await UserAsync("pete"));
        var navy = await TeamAsync("navy");
        var jade = await TeamAsync("jade");
        (await MemberAsync(hub.Rest, navy, pete, "member")).Dispose();
        (await MemberAsync(hub.Rest, jade, olga, "admin")).Dispose();
        using var asOlga = TestAccess.RestClient(hub.RestUri, await KeyAsync(olga));

        using var member = await MemberAsync(asOlga, navy, olga, "admin");
        using var key = await asOlga.PostAsJsonAsync($"/api/teams/{navy}/keys", new { user_id = pete, name = "not with this key", scopes = new[] { KeyScopes.Inference } });
        using var budget = await asOlga.PostAsJsonAsync($"/api/teams/{navy}/budget", new { budget = new { limit_usd = "500", period = "month" } });
        using var read = await asOlga.GetAsync($"/api/teams/{navy}");
        using var teams = JsonDocument.Parse(await asOlga.GetStringAsync("/api/teams"));
        using var ownTeam = await MemberAsync(asOlga, jade, pete, "member");

        Assert.Equal(HttpStatusCode.Forbidden, member.StatusCode);
        Assert.Contains("admin:write", await member.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, key.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, budget.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal([jade], teams.RootElement.GetProperty("teams").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.True(ownTeam.IsSuccessStatusCode, await ownTeam.Content.ReadAsStringAsync());
        using var navyNow = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/teams/{navy}"));
        Assert.Equal([pete], navyNow.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("user_id").GetString()));
        Assert.Equal(0, navyNow.RootElement.GetProperty("key_ids").GetArrayLength());
    }

    [Fact]
    public async Task A_team_admin_adds_changes_and_removes_only_hub_members_never_a_hub_admin()
    {
        // The delegation rule reaches team roles as it reaches team keys: a team's admin acts on the team's members who
        // are hub members, never on a hub admin or owner (who are above them), so they cannot demote or remove the hub
        // admin the owner made a co-admin of their team, nor bring another hub admin in.
        var (quinn, tom) = (await UserAsync("quinn"), await UserAsync("tom"));
        var (rita, sam) = (await UserAsync("rita", "admin"), await UserAsync("sam", "admin"));
        var coral = await TeamAsync("coral");
        (await MemberAsync(hub.Rest, coral, quinn, "admin")).Dispose();
        (await MemberAsync(hub.Rest, coral, rita, "admin")).Dispose();
        using var asQuinn = TestAccess.RestClient(hub.RestUri, await KeyAsync(quinn));

        using var demoted = await MemberAsync(asQuinn, coral, rita, "member");
        using var removed = await asQuinn.PostAsJsonAsync($"/api/teams/{coral}/members", new { user_id = rita, remove = true });
        using var added = await MemberAsync(asQuinn, coral, sam, "member");
        using var member = await MemberAsync(asQuinn, coral, tom, "member");

        Assert.Equal(HttpStatusCode.Forbidden, demoted.StatusCode);
        Assert.Contains("user_id", await demoted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, removed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, added.StatusCode);
        Assert.True(member.IsSuccessStatusCode, await member.Content.ReadAsStringAsync());
        using var coralNow = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/teams/{coral}"));
        Assert.Equal(
            new Dictionary<string, string> { [quinn] = "admin", [rita] = "admin", [tom] = "member" },
            coralNow.RootElement.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("user_id").GetString()!, m => m.GetProperty("role").GetString()!));
    }

    [Fact]
    public async Task A_member_taken_out_of_a_team_loses_the_team_keys_they_held_at_once()
    {
        // A team key is a member's: once the team's admin takes the member out, the key must not go on spending the team's
        // budget and counting as the team's (the team's admin cannot revoke keys themselves).
        var setup = await TeamAdminWithAMembersKeyAsync("ochre", "uma", "victor");
        var (ochre, victor) = (setup.Team, setup.Member);
        using var asUma = setup.AsAdmin;
        using var issued = setup.Key;
        var issuedText = await issued.Content.ReadAsStringAsync();
        Assert.True(issued.IsSuccessStatusCode, issuedText);
        using var asVictor = TestAccess.RestClient(hub.RestUri, JsonDocument.Parse(issuedText).RootElement.GetProperty("secret").GetString());
        using var before = await asVictor.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = Hello });
        Assert.True(before.IsSuccessStatusCode, await before.Content.ReadAsStringAsync());

        using var removed = await asUma.PostAsJsonAsync($"/api/teams/{ochre}/members", new { user_id = victor, remove = true });
        using var after = await asVictor.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = Hello });

        Assert.True(removed.IsSuccessStatusCode, await removed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task A_teams_changes_by_its_admin_are_in_the_audit_trail_under_the_team_and_its_budget()
    {
        var setup = await TeamAdminWithAMembersKeyAsync("violet", "erin", "frank");
        var (violet, erin) = (setup.Team, setup.Admin);
        using var asErin = setup.AsAdmin;
        setup.Key.Dispose();
        using var key = await asErin.PostAsJsonAsync($"/api/teams/{violet}/keys", new { user_id = erin, name = "erin's violet key", scopes = new[] { KeyScopes.Inference } });
        using var budget = await asErin.PostAsJsonAsync($"/api/teams/{violet}/budget", new { budget = new { limit_usd = "3", period = "week" } });
        Assert.True(key.IsSuccessStatusCode && budget.IsSuccessStatusCode, await key.Content.ReadAsStringAsync() + await budget.Content.ReadAsStringAsync());

        using var issued = JsonDocument.Parse(await key.Content.ReadAsStringAsync());
        var keyId = issued.RootElement.GetProperty("key").GetProperty("key_id").GetString();

        var team = await AuditAsync($"team:{violet}");
        var teamKey = await AuditAsync($"key:{keyId}");
        var budgets = await AuditAsync($"budget:team:{violet}");

        // Oldest first: the hub owner made the team and its admin; the team's admin did the rest (an issued key is
        // recorded under the key it made).
        Assert.Equal(
            [("CreateTeam", false), ("SetTeamMember", false), ("SetTeamMember", true)],
            team.Select(e => (e.Kind, e.Actor.StartsWith(erin + " ", StringComparison.Ordinal))).Reverse());
        Assert.Equal([("CreateTeamKey", true)], teamKey.Select(e => (e.Kind, e.Actor.StartsWith(erin + " ", StringComparison.Ordinal))));
        Assert.Equal([("SetBudget", true)], budgets.Select(e => (e.Kind, e.Actor.StartsWith(erin + " ", StringComparison.Ordinal))));
    }

    /// <summary>The audit entries of a target, newest first.</summary>
    private async Task<List<(string Kind, string Actor)>> AuditAsync(string target)
    {
        using var document = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/audit?target={Uri.EscapeDataString(target)}"));
        return [.. document.RootElement.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("kind").GetString()!, e.GetProperty("actor").GetString()!))];
    }

    /// <summary>
    /// The calls per group of the usage statistics <paramref name="client"/> reads with this query, once they have
    /// caught up with the stored calls (bounded).
    /// </summary>
    private static async Task<Dictionary<string, long>> StatisticsGroupsAsync(HttpClient client, string query)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var statistics = JsonDocument.Parse(await client.GetStringAsync($"/api/usage/statistics?{query}"));
            var groups = statistics.RootElement.GetProperty("groups").EnumerateArray()
                .ToDictionary(g => g.GetProperty("group").GetString()!, g => g.GetProperty("figures").GetProperty("calls").GetInt64());
            if ((!statistics.RootElement.GetProperty("stale").GetBoolean() && groups.Values.Sum() > 0) || DateTime.UtcNow > deadline)
            {
                return groups;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A call to the demo echo model with a new key of the team issued to the member; its request id, once recorded.</summary>
    private async Task<string> TeamCallAsync(string team, string member)
    {
        using var key = await hub.Rest.PostAsJsonAsync($"/api/teams/{team}/keys", new { user_id = member, name = "team call key", scopes = new[] { KeyScopes.Inference } });
        var keyText = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, keyText);
        using var keyBody = JsonDocument.Parse(keyText);
        using var client = TestAccess.RestClient(hub.RestUri, keyBody.RootElement.GetProperty("secret").GetString());
        using var call = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = Hello });
        Assert.True(call.IsSuccessStatusCode, await call.Content.ReadAsStringAsync());
        var requestId = call.Headers.GetValues("x-request-id").Single();
        await hub.WaitForCallRecordAsync(requestId);
        return requestId;
    }

    /// <summary>
    /// A new team whose admin (a hub member, acting with their own key) has added a second hub member, to whom a hub admin
    /// issued a team key (a team's admin issues team keys to themselves only): the team, its admin and the admin's client,
    /// the member and the answer to the key's issue.
    /// </summary>
    private async Task<(string Team, string Admin, HttpClient AsAdmin, string Member, HttpResponseMessage Key)> TeamAdminWithAMembersKeyAsync(string teamName, string adminName, string memberName)
    {
        var (admin, member) = (await UserAsync(adminName), await UserAsync(memberName));
        var team = await TeamAsync(teamName);
        (await MemberAsync(hub.Rest, team, admin, "admin")).Dispose();
        var asAdmin = TestAccess.RestClient(hub.RestUri, await KeyAsync(admin));
        (await MemberAsync(asAdmin, team, member, "member")).Dispose();
        var key = await hub.Rest.PostAsJsonAsync($"/api/teams/{team}/keys", new { user_id = member, name = $"{memberName}'s {teamName} key", scopes = new[] { KeyScopes.Inference } });
        return (team, admin, asAdmin, member, key);
    }

    private async Task<string> TeamAsync(string name)
    {
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/teams", new { name });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<HttpResponseMessage> MemberAsync(HttpClient client, string team, string user, string role) =>
        await client.PostAsJsonAsync($"/api/teams/{team}/members", new { user_id = user, role });

    private async Task<string> UserAsync(string name, string role = "member")
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = name, role });
        var text = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, text);
        using var body = JsonDocument.Parse(text);
        return body.RootElement.GetProperty("user").GetProperty("id").GetString()!;
    }

    /// <summary>The id and owner of the key an issue answered, failing the test when it was refused.</summary>
    private static async Task<(string Id, string UserId)> IssuedKeyAsync(HttpResponseMessage issued)
    {
        var body = await issued.Content.ReadAsStringAsync();
        Assert.True(issued.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        var key = document.RootElement.GetProperty("key");
        return (key.GetProperty("key_id").GetString()!, key.GetProperty("user_id").GetString()!);
    }

    /// <summary>
    /// <paramref name="change"/> of the team's budget, sent while another change of it (a hub admin's, setting
    /// <paramref name="limitUsd"/> a month) holds the budget's lock (the hub's key, BudgetChanges.LockKey): it must wait
    /// for the lock (polled, bounded), and is answered once the other change has committed.
    /// </summary>
    private async Task<HttpResponseMessage> DuringAnotherChangeAsync(string team, decimal limitUsd, Func<Task<HttpResponseMessage>> change)
    {
        const string Take = "select pg_advisory_xact_lock(hashtextextended($1, 0))";
        const string Waiting =
            """
            select count(*) from pg_locks, (select hashtextextended($1, 0) as k) as lock
             where locktype = 'advisory' and not granted and objsubid = 1
               and classid::bigint = (lock.k >> 32) & 4294967295 and objid::bigint = lock.k & 4294967295
               and database = (select oid from pg_database where datname = current_database())
            """;
        var lockKey = $"aignehub.spend_budget:team:{team}";
        await using var other = new NpgsqlConnection(hub.DatabaseConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand(Take, other) { Parameters = { new NpgsqlParameter { Value = lockKey } } })
        {
            await take.ExecuteNonQueryAsync();
        }

        var answer = change();
        var waits = false;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!answer.IsCompleted && DateTime.UtcNow < deadline)
        {
            await using var count = new NpgsqlCommand(Waiting, other) { Parameters = { new NpgsqlParameter { Value = lockKey } } };
            waits = (long)(await count.ExecuteScalarAsync())! > 0;
            if (waits)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.True(waits, "The change did not wait for the change of the budget under way.");
        await using (var session = hub.Services.GetRequiredService<IDocumentStore>().LightweightSession(SessionOptions.ForTransaction(transaction, false)))
        {
            session.Store(new SpendBudget
            {
                Id = $"team:{team}",
                Scope = BudgetScope.Team,
                SubjectId = team,
                LimitUsd = limitUsd,
                Period = BudgetPeriod.Month,
                UpdatedAt = DateTimeOffset.UtcNow,
                UpdatedBy = "a hub admin",
            });
            await session.SaveChangesAsync();
        }

        await transaction.CommitAsync();
        return await answer;
    }

    /// <summary>The team's budget as the hub's admins list it (limit and period); null when it has none.</summary>
    private async Task<(string Limit, string Period)?> TeamBudgetAsync(string team)
    {
        using var budgets = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/admin/budgets"));
        foreach (var budget in budgets.RootElement.GetProperty("budgets").EnumerateArray().Where(b => b.GetProperty("id").GetString() == $"team:{team}"))
        {
            return (budget.GetProperty("limit_usd").GetString()!, budget.GetProperty("period").GetString()!);
        }

        return null;
    }

    private async Task<string> KeyAsync(string userId, params string[] scopes)
    {
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "team admin key", scopes = scopes.Length > 0 ? scopes : new[] { KeyScopes.Inference } });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("secret").GetString()!;
    }
}
