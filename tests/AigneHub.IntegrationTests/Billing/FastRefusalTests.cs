using AigneHub.Application.Abstractions;
using AigneHub.Application.Billing;
using AigneHub.Application.Errors;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Persistence;
using Npgsql;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>
/// A call the account clearly cannot cover is refused at once (issue 16): after one plain read of the account, without
/// a place in the ledger writer's queue or the account's row lock; never on this instance's memory alone.
/// </summary>
public sealed class FastRefusalTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private BillingStore _db = null!;

    public async Task InitializeAsync()
    {
        _db = await BillingStore.CreateAsync("fastrefusal");
        // 5 credits; each output token costs 1 credit, the prompt nothing: a call needs at least 1 credit.
        await _db.UseCreditsAsync(welcome: 5m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0m, outputRate: 1m);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static CallEstimate Estimate(string callId, int maxTokens = 10) =>
        new(callId, CallType.Chat, "gpt-4o-mini", ["openai"], 0, maxTokens, "openai/gpt-4o-mini");

    /// <summary>Spends the whole balance, then has the ledger refuse one call: the account is known short here.</summary>
    private static async Task<InsufficientCreditsException> SpendAllAndBeRefusedAsync(CallBilling billing)
    {
        var first = await billing.HoldAsync(Estimate("spends-all"), CancellationToken.None);
        Assert.Equal(5m, first.HeldCredits);
        return await Assert.ThrowsAsync<InsufficientCreditsException>(() => billing.HoldAsync(Estimate("refused-by-ledger"), CancellationToken.None));
    }

    private async Task GrantFromAnotherInstanceAsync(decimal amount)
    {
        await using var other = _db.Writer();
        var settings = await BillingStreams.LoadSettingsAsync(_db.Store, CancellationToken.None);
        await other.ChangeAsync("alice", settings, account =>
            CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), amount, GrantSource.Admin, null, null), "admin", DateTimeOffset.UtcNow),
            CancellationToken.None);
    }

    private async Task<int> EventCountAsync()
    {
        await using var session = _db.Store.QuerySession();
        return (await session.Events.FetchStreamAsync(CreditAccount.StreamIdFor("alice"))).Count;
    }

    [Fact]
    public async Task A_call_the_balance_cannot_cover_is_refused_with_402_at_once_even_while_the_accounts_ledger_is_locked_and_writes_nothing()
    {
        await using var writer = _db.Writer();
        var billing = _db.Billing(ledger: writer);
        var byLedger = await SpendAllAndBeRefusedAsync(billing);
        var commits = writer.Commits;
        var events = await EventCountAsync();

        // Another instance's batch holds the account's row lock: a call queued with the writer would wait behind it.
        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"select id from {HubMartenConfiguration.Schema}.mt_streams where id = @id for update", connection, transaction))
        {
            lockRow.Parameters.AddWithValue("id", CreditAccount.StreamIdFor("alice"));
            Assert.NotNull(await lockRow.ExecuteScalarAsync());
        }

        var refusal = billing.HoldAsync(Estimate("hopeless"), CancellationToken.None);
        var finished = await Task.WhenAny(refusal, Task.Delay(Bound));
        await transaction.RollbackAsync();

        Assert.Same(refusal, finished);
        var refused = await Assert.ThrowsAsync<InsufficientCreditsException>(() => refusal);
        Assert.Equal(byLedger.Message, refused.Message);
        Assert.Equal(byLedger.PaymentLink, refused.PaymentLink);
        Assert.Equal(commits, writer.Commits);
        Assert.Equal(events, await EventCountAsync());
    }

    [Fact]
    public async Task After_another_instance_tops_the_account_up_the_next_call_is_admitted_not_refused_from_memory()
    {
        var billing = _db.Billing();
        await SpendAllAndBeRefusedAsync(billing);

        await GrantFromAnotherInstanceAsync(20m);

        var hold = await billing.HoldAsync(Estimate("after-top-up"), CancellationToken.None);
        Assert.Equal((10m, 10), (hold.HeldCredits, hold.OutputTokenLimit));
    }

    [Fact]
    public async Task A_hold_that_just_fits_what_another_instance_granted_is_admitted()
    {
        var billing = _db.Billing();
        await SpendAllAndBeRefusedAsync(billing);

        // Exactly the least a call can hold: its prompt (free here) and one output token.
        await GrantFromAnotherInstanceAsync(1m);

        var hold = await billing.HoldAsync(Estimate("just-fits"), CancellationToken.None);
        Assert.Equal((1m, 1), (hold.HeldCredits, hold.OutputTokenLimit));
        await Assert.ThrowsAsync<InsufficientCreditsException>(() => billing.HoldAsync(Estimate("then-short"), CancellationToken.None));
    }
}
