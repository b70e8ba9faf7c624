using AigneHub.Application.Errors;
using AigneHub.Application.EventSourcing;
using AigneHub.Domain.Providers;
using AigneHub.Domain.Providers.Events;

namespace AigneHub.IntegrationTests.EventSourcing;

/// <summary>The one way every event stream is written, on a real PostgreSQL (provider streams as the example).</summary>
public sealed class EventStreamsTests() : HubStoreTest("eventstreams")
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly StreamSubject OpenAi = new("openai", "The provider 'openai'", "provider", "The provider 'openai' is not registered.");
    [Fact]
    public async Task A_change_is_appended_and_answered_with_the_state_after_it()
    {
        await StartAsync();

        var changed = await EventStreams.ChangeAsync<ProviderConfig>(Store, OpenAi, 1, _ => [Endpoint("https://proxy.example/v1")], CancellationToken.None);

        Assert.Equal((2, "https://proxy.example/v1"), (changed.Version, changed.BaseUrl));
    }

    [Fact]
    public async Task A_change_at_a_stale_version_is_a_conflict_that_names_both_versions_and_appends_nothing()
    {
        await StartAsync();
        await EventStreams.ChangeAsync<ProviderConfig>(Store, OpenAi, 1, _ => [Endpoint("https://a.example/v1")], CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<ConflictException>(() =>
            EventStreams.ChangeAsync<ProviderConfig>(Store, OpenAi, 1, _ => [Endpoint("https://b.example/v1")], CancellationToken.None));

        Assert.Equal("The provider 'openai' is at version 2, not 1: read it again and retry.", conflict.Message);
        Assert.Equal((2, "https://a.example/v1"), await CurrentAsync());
    }

    [Fact]
    public async Task A_change_to_a_stream_that_does_not_exist_is_not_found_naming_the_field_even_with_a_version()
    {
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            EventStreams.ChangeAsync<ProviderConfig>(Store, OpenAi, 3, _ => [Endpoint("https://a.example/v1")], CancellationToken.None));

        Assert.Equal(("provider", "The provider 'openai' is not registered."), (missing.Field, missing.Message));
    }

    [Fact]
    public async Task A_broken_domain_rule_in_the_decision_becomes_the_hubs_error_and_appends_nothing()
    {
        await StartAsync();

        var refused = await Assert.ThrowsAsync<RequestValidationException>(() => EventStreams.ChangeAsync<ProviderConfig>(
            Store, OpenAi, 1, current => [ProviderDecisions.RemoveCredential(current, Guid.NewGuid(), "admin", At)], CancellationToken.None));

        Assert.Equal("credential_id", Assert.Single(refused.Violations).Field);
        Assert.Equal(1, (await CurrentAsync()).Version);
    }

    [Fact]
    public async Task A_writer_that_lost_a_race_after_reading_is_told_to_read_again()
    {
        await StartAsync();

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => EventStreams.ChangeAsync<ProviderConfig>(Store, OpenAi, 1, _ =>
        {
            WriteMeanwhile("https://winner.example/v1");
            return [Endpoint("https://loser.example/v1")];
        }, CancellationToken.None));

        Assert.Equal("The provider 'openai' was changed by someone else; read it again and retry.", conflict.Message);
        Assert.Equal((2, "https://winner.example/v1"), await CurrentAsync());
    }

    [Fact]
    public async Task An_observation_that_lost_a_race_is_decided_again_on_what_the_winner_wrote()
    {
        await StartAsync();
        var seen = new List<int>();

        var observed = await EventStreams.ObserveAsync<ProviderConfig>(Store, OpenAi, current =>
        {
            seen.Add(current.Version);
            if (seen.Count == 1)
            {
                WriteMeanwhile("https://winner.example/v1");
            }

            return [new ProviderDisabled("checked", "system", At)];
        }, CancellationToken.None);

        Assert.Equal([1, 2], seen);
        Assert.Equal((3, "https://winner.example/v1", false), (observed.Version, observed.BaseUrl, observed.Enabled));
    }

    [Fact]
    public async Task Starting_a_stream_that_exists_is_a_conflict()
    {
        await StartAsync();

        var conflict = await Assert.ThrowsAsync<ConflictException>(StartAsync);

        Assert.Equal("The provider 'openai' already exists.", conflict.Message);
    }

    [Fact]
    public async Task A_stream_that_may_not_exist_yet_is_started_by_its_first_change_at_version_zero()
    {
        var started = await EventStreams.ChangeOrStartAsync<ProviderConfig>(Store, OpenAi, 0, current =>
            current is null ? [new ProviderRegistered("openai", "OpenAI", null, null, "admin", At)] : [], CancellationToken.None);

        Assert.Equal(1, started!.Version);
    }

    private Task<ProviderConfig> StartAsync() =>
        EventStreams.StartAsync<ProviderConfig>(Store, OpenAi, () => [new ProviderRegistered("openai", "OpenAI", null, null, "admin", At)], CancellationToken.None);

    private static ProviderEndpointChanged Endpoint(string baseUrl) => new(baseUrl, null, "admin", At);

    /// <summary>Another writer appends, as the hub's writers do, while the decision runs (awaited there, so the race is certain).</summary>
    private void WriteMeanwhile(string baseUrl) =>
        EventStreams.ChangeAsync<ProviderConfig>(Store, OpenAi, null, _ => [Endpoint(baseUrl)], CancellationToken.None).GetAwaiter().GetResult();

    private async Task<(int Version, string? BaseUrl)> CurrentAsync()
    {
        await using var session = Store.QuerySession();
        var current = (await session.LoadAsync<ProviderConfig>("openai"))!;
        return (current.Version, current.BaseUrl);
    }
}
