using AigneHub.Application;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Billing;
using AigneHub.Domain.Access;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Persistence;
using AigneHub.Tests.Shared;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>A fresh database with the hub's Marten configuration, and the call path's billing service over it.</summary>
internal sealed class BillingStore : IAsyncDisposable
{
    private BillingStore(DocumentStore store, string connectionString) => (Store, ConnectionString) = (store, connectionString);

    public DocumentStore Store { get; }

    public string ConnectionString { get; }

    public FixedCaller Caller { get; } = new();

    public static async Task<BillingStore> CreateAsync(string purpose)
    {
        // Pooled as the hub's main pool is (Npgsql's defaults, and its statements prepared: ConnectionBudget).
        var connectionString = new ConnectionBudget(100, 0, 0).MainConnectionString(await TestDatabase.CreateAsync(purpose), 15);
        var store = DocumentStore.For(options => HubMartenConfiguration.Configure(options, connectionString));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return new BillingStore(store, connectionString);
    }

    public CallBilling Billing(TimeProvider? time = null, HoldLeases? leases = null, CreditLedgerWriter? ledger = null)
    {
        var options = Options.Create(new BillingOptions { CacheSeconds = 0 });
        var clock = time ?? TimeProvider.System;
        // A writer per billing service, as each hub instance has its own: tests that use several stand for several instances.
        ledger ??= Writer(clock);
        return new CallBilling(new BillingCache(Store, clock, options), Caller, clock, options, leases ?? Leases(clock), ledger, NullLogger<CallBilling>.Instance);
    }

    /// <summary>A ledger writer of its own ("an instance").</summary>
    public CreditLedgerWriter Writer(TimeProvider? time = null) =>
        new(Store, time ?? TimeProvider.System, Options.Create(new BillingOptions { CacheSeconds = 0 }), NullLogger<CreditLedgerWriter>.Instance);

    /// <summary>The registry that keeps an instance's calls in flight alive (one per "instance").</summary>
    public HoldLeases Leases(TimeProvider? time = null) =>
        new(Store, time ?? TimeProvider.System, Options.Create(new BillingOptions { CacheSeconds = 0 }), new HubInstance(), NullLogger<HoldLeases>.Instance);

    /// <summary>Credits mode, with a welcome grant of <paramref name="welcome"/> credits.</summary>
    public Task UseCreditsAsync(decimal welcome, int defaultHoldTokens = 4096) =>
        BillingStreams.ChangeSettingsAsync(Store, 0, current => BillingDecisions.Change(
            current, new BillingSettingsValues(BillingMode.Credits, 1m, 2m, "$", welcome, null, "https://pay.example/buy", defaultHoldTokens), "test", DateTimeOffset.UtcNow),
            CancellationToken.None);

    public Task PriceAsync(string provider, string model, decimal inputRate, decimal outputRate, UnitCosts? unitCosts = null) =>
        BillingStreams.ChangeRateAsync(Store, ModelRate.StreamIdFor(CallType.Chat, provider, model), current => RateDecisions.Set(
            current, new NewRate(CallType.Chat, provider, model, new RateValues(inputRate, outputRate, null, null, unitCosts, false), "admin"), "test", DateTimeOffset.UtcNow),
            CancellationToken.None);

    /// <summary>The billing settings as stored.</summary>
    public async Task<BillingSettings> SettingsAsync()
    {
        await using var session = Store.QuerySession();
        return (await session.LoadAsync<BillingSettings>(BillingSettings.StreamId))!;
    }

    public async ValueTask DisposeAsync() => await Store.DisposeAsync();
}

internal sealed class FixedCaller : ICallerContext
{
    public string? UserId { get; set; } = "alice";

    public Caller? Current => UserId is null ? null : new Caller(UserId, UserRole.Member, null, null, new HashSet<string> { "inference" });
}
