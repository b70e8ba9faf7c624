using System.Text.Json;
using AigneHub.Domain.Providers;
using AigneHub.Domain.Providers.Events;
using AigneHub.Domain.Secrets;
using Marten;

namespace AigneHub.IntegrationTests.Providers;

/// <summary>Provider streams on a real PostgreSQL: the inline view equals a replay of the stream, at every version.</summary>
public sealed class ProviderStreamTests() : HubStoreTest("providers")
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    [Fact]
    public async Task Inline_view_equals_a_replay_of_the_stream_after_every_change()
    {
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        object[][] batches =
        [
            [new ProviderRegistered("openai", "OpenAI", null, null, "admin", At)],
            [new CredentialAdded(first, "main", CredentialKind.ApiKey, 5, Secret(), "sk-a****wxyz", null, "admin", At)],
            [new CredentialAdded(second, "backup", CredentialKind.ApiKey, 1, Secret(), "sk-b****wxyz", null, "admin", At), new CredentialWeightChanged(first, 9, "admin", At)],
            [new CredentialDisabled(first, "refused by upstream", 401, "system", At.AddMinutes(1))],
            [new ProviderEndpointChanged("https://proxy.example/v1", null, "admin", At.AddMinutes(2)), new CredentialRemoved(second, "admin", At.AddMinutes(3))],
        ];

        var version = 0;
        foreach (var batch in batches)
        {
            // Written the way the command handlers write: start the stream, then fetch for writing and append.
            await using (var session = Store.LightweightSession())
            {
                if (version == 0)
                {
                    session.Events.StartStream<ProviderConfig>("openai", batch);
                }
                else
                {
                    var stream = await session.Events.FetchForWriting<ProviderConfig>("openai");
                    stream.AppendMany(batch);
                }

                await session.SaveChangesAsync();
            }

            version += batch.Length;
            await using var query = Store.QuerySession();
            var inline = await query.LoadAsync<ProviderConfig>("openai");
            var replayed = await query.Events.AggregateStreamAsync<ProviderConfig>("openai");

            Assert.NotNull(inline);
            Assert.Equal(version, inline.Version);
            Assert.Equal(JsonSerializer.Serialize(replayed), JsonSerializer.Serialize(inline));
        }

        await using var final = Store.QuerySession();
        var config = (await final.LoadAsync<ProviderConfig>("openai"))!;
        var credential = Assert.Single(config.Credentials);
        Assert.Equal((first, 9, false, (int?)401), (credential.Id, credential.Weight, credential.Enabled, credential.DisabledByStatus));
        Assert.Equal("https://proxy.example/v1", config.BaseUrl);
        Assert.Equal(Secret(), credential.Secret);
    }

    private static EncryptedSecret Secret() =>
        EncryptedSecret.Create("k1", new byte[EncryptedSecret.NonceSize], [9, 8, 7], new byte[EncryptedSecret.TagSize]);
}
