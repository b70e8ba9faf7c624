using AigneHub.Domain.Usage;
using JasperFx;
using Marten;
using Weasel.Core;

namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// The one place that declares what Marten stores and how. Projection lifecycles go here as they are added, each with
/// a comment on why it is Inline or Async.
/// </summary>
internal static class HubMartenConfiguration
{
    public const string Schema = "aignehub";

    public static void Configure(StoreOptions options, string connectionString)
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = Schema;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        // Additive changes only: ApplyAllDatabaseChangesOnStartup brings the schema up to date before the hub serves,
        // and nothing is ever dropped automatically.
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;

        // Call records: written in batches off the hot path (BatchingCallRecorder); read newest first.
        options.Schema.For<CallRecord>()
            .Identity(x => x.Id)
            .Index(x => x.StartedAt)
            .Duplicate(x => x.RequestId);
    }
}
