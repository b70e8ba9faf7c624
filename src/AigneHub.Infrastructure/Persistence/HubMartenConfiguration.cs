using System.Text.Json.Serialization.Metadata;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Providers;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Weasel.Core;

namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// The one place that declares what Marten stores and how. Projection lifecycles go here as they are added, each with
/// a comment on why it is Inline or Async.
/// </summary>
internal static class HubMartenConfiguration
{
    public const string Schema = "aignehub";

    public static void Configure(StoreOptions options, string connectionString, TimeZoneInfo? statisticsZone = null)
    {
        options.Connection(connectionString);
        Describe(options, statisticsZone);
    }

    /// <summary>Everything but the connection (the hub's store takes its main pool from the container: ConnectionBudget).</summary>
    public static void Describe(StoreOptions options, TimeZoneInfo? statisticsZone)
    {
        options.DatabaseSchemaName = Schema;
        options.UseSystemTextJsonForSerialization(
            EnumStorage.AsString,
            Casing.CamelCase,
            json => json.TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { NonPublicSetterModifier.Apply, UnstoredStateModifier.Apply } });

        // Streams are keyed by meaningful names: a provider's stream is its name ("openai").
        options.Events.StreamIdentity = StreamIdentity.AsString;

        // An inline projection's save starts from the aggregate that FetchForWriting/FetchForExclusiveWriting fetched in
        // the same session (Marten 9's default, stated here because the hub depends on it): a save reads no aggregate
        // document again (with the option off, Marten reloads every appended stream's document at save, on a connection
        // of its own). The fetched instance is the one the projection applies the appended events to, so no code may
        // change it before appending: decisions are functions of it (EventStreams). The credit-ledger writer saves the
        // accounts that existed with set-based statements of its own (LedgerStatements) and goes through Marten only
        // for an account a batch opens.
        options.Events.UseIdentityMapForAggregates = true;

        // Additive changes only: ApplyAllDatabaseChangesOnStartup brings the schema up to date before the hub serves,
        // and nothing is ever dropped automatically.
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;

        // Statements per round trip of SaveChanges (Marten's default is 500): a full batch of the credit-ledger writer
        // commits in one even when every change of it opens an account (two statements each through Marten).
        options.UpdateBatchSize = 1_000;

        // Call records: written in batches off the hot path (BatchingCallRecorder, with one upsert statement of its own
        // that must fill every column of this mapping; Recorder_writes_the_rows_marten_writes checks it); read newest first.
        options.Schema.For<CallRecord>()
            .Identity(x => x.Id)
            .Index(x => x.StartedAt)
            .Duplicate(x => x.RequestId);

        // Usage statistics: Async, because they are read by dashboards and reports, never by the call path, and
        // counting in the daemon keeps the bucket updates (one row per hour/day and dimension tuple, hot for every call)
        // off the call path and out of the recorder's batch transaction. The daemon commits a batch's updates with its
        // progress mark, so each call is counted exactly once (ADR 0013).
        // The daemon loads only the events the statistics count: without a filter it read back (and deserialized) every
        // event of the store, which in credits mode is a ledger event or two per call.
        var statistics = new ProjectionWrapper<IDocumentOperations, IQuerySession>(
            new Usage.UsageStatisticsProjection(statisticsZone ?? TimeZoneInfo.Utc), ProjectionLifecycle.Async)
        {
            Name = Usage.UsageStatisticsProjection.Name,
        };
        statistics.IncludeType<Domain.Usage.CallsRecorded>();
        statistics.IncludeType<Domain.Usage.CallRecorded>();
        options.Projections.Add(statistics, ProjectionLifecycle.Async);
        options.Schema.For<Domain.Usage.Statistics.UsageBucket>()
            .Identity(x => x.Id)
            .Duplicate(x => x.Start)
            .Duplicate(x => x.UserId);

        // Usage reports: one document per kind, period and scope (re-generating replaces it).
        options.Schema.For<Domain.Usage.Reports.UsageReport>()
            .Identity(x => x.Id)
            .Duplicate(x => x.Scope)
            .Index(x => x.Period);

        // Generated images served by URL until they expire; the clean-up job deletes by expiry.
        // Settlements of calls' holds, by call id (the idempotency index of captures and releases, ADR 0019): read by
        // the ledger writer for the calls of a batch, pruned by time.
        options.Schema.For<Domain.Billing.CallSettlement>()
            .Identity(x => x.Id)
            .Index(x => x.At);

        // The marks of the ledger writer's committed transactions (ADR 0027): read only by a retry whose commit's outcome
        // was unknown, pruned by time.
        options.Schema.For<Domain.Billing.LedgerCommit>()
            .Identity(x => x.Id)
            .Duplicate(x => x.At);

        options.Schema.For<Images.StoredImageDocument>()
            .Identity(x => x.Id)
            .Index(x => x.ExpiresAt);

        // Provider configuration: Inline, because an admin who registers a provider or adds a credential reads it back
        // at once (with its new version for the next change), and the call path's snapshot is rebuilt from it.
        options.Projections.Add<ProviderConfigProjection>(ProjectionLifecycle.Inline);

        // Billing: Inline, because a balance must be exact at the moment a call is held (the hold decision and the
        // balance commit in one transaction, so no call can spend credits an async projection has not seen yet), and
        // an operator who changes settings or a rate reads the new version back at once.
        options.Projections.Add<Billing.BillingSettingsProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<Billing.ModelRateProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<Billing.CreditAccountProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<CreditAccount>().Duplicate(x => x.UserId);

        // Leases of long calls' holds: renewed in batches by the instance running the calls, read by hold recovery
        // by call id, and deleted by expiry once they lapse.
        options.Schema.For<HoldLease>().Identity(x => x.Id).Index(x => x.ExpiresAt);

        // Users and access keys: Inline, because a key is used the moment it is created (the call path loads an
        // unknown key id from this view), a revoke must be visible to every instance's key cache at its next poll,
        // and an admin reads the new version back for the next change.
        options.Projections.Add<Access.HubUserProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<Access.AccessKeyProjection>(ProjectionLifecycle.Inline);
        // Teams: Inline for the same reasons (a team admin acts on the team right after it changes).
        options.Projections.Add<Access.TeamProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<Domain.Access.AccessKey>().Index(k => k.UserId);
        options.Schema.For<Domain.Access.AccessKeyLastUse>().Identity(x => x.Id);
        options.Schema.For<Domain.Budgets.SpendBudget>().Identity(x => x.Id);

        // Audit entries: Inline, because the admin who just made a change (and a test) queries the trail at once;
        // each entry is a stream of its own, so the projection is one insert per entry.
        options.Projections.Add<Audit.AuditEntryProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<Domain.Audit.AuditEntry>()
            .Index(x => x.At)
            .Index(x => x.Actor)
            .Index(x => x.Target)
            .Index(x => x.Kind);
    }
}
