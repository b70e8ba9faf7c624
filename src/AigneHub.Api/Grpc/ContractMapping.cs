using AigneHub.Application.Access;
using AigneHub.Application.Billing;
using AigneHub.Application.Billing.Credits.Queries.ListCreditTransactions;
using AigneHub.Application.Providers;
using AigneHub.Domain.Providers;
using AigneHub.Domain.Usage;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Mapster;
using DomainStatistics = AigneHub.Domain.Usage.Statistics;

namespace AigneHub.Api.Grpc;

/// <summary>
/// The domain → contract mappings of the admin, audit and usage services that are field copies, in one Mapster
/// configuration: every pair is declared (<see cref="TypeAdapterConfig.RequireExplicitMapping"/>) and every field of a
/// message must have a source or be ignored on purpose (<see cref="TypeAdapterConfig.RequireDestinationMemberSource"/>),
/// so compiling it fails on a field added to either side and not mapped. It is compiled once per process, when the hub
/// starts (<see cref="EnsureCompiled"/>), not on the first call of each pair.
/// <para>
/// The wire's conventions are set once for all of them: amounts as decimal strings without trailing zeros
/// (<see cref="BillingMessages.Text"/>), times as <see cref="Timestamp"/>, enums as snake_case names, an absent
/// (null) value leaves a proto3 <c>optional</c> field unset, and repeated fields are filled in place (a generated
/// message's <see cref="RepeatedField{T}"/> has no setter). A mapping with logic of its own stays hand-written.
/// </para>
/// </summary>
internal static class ContractMapping
{
    public static TypeAdapterConfig Config { get; } = CreateCompiled();

    /// <summary>Compiles every mapping (once): a mapping that cannot be built stops the hub at start, not on a call.</summary>
    public static void EnsureCompiled() => _ = Config;

    /// <summary>The message for a domain or application view, by its declared mapping.</summary>
    public static TMessage Map<TMessage>(object view) => view.Adapt<TMessage>(Config);

    /// <summary>An enum member's wire name: <c>AccessKeyPair</c> → <c>access_key_pair</c>.</summary>
    public static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>The configuration, not compiled yet (the tests compile it to validate it).</summary>
    internal static TypeAdapterConfig Create()
    {
        var config = new TypeAdapterConfig { RequireExplicitMapping = true, RequireDestinationMemberSource = true };
        config.Default.IgnoreNullValues(true);
        config.Default.UseDestinationValue(member => member.SetterModifier == AccessModifier.None
            && member.Type.IsGenericType && member.Type.GetGenericTypeDefinition() == typeof(RepeatedField<>));

        config.NewConfig<decimal, string>().MapWith(value => BillingMessages.Text(value));
        config.NewConfig<DateTimeOffset, Timestamp>().MapWith(value => Timestamp.FromDateTimeOffset(value));
        config.NewConfig<Guid, string>().MapWith(value => value.ToString());
        AsName<UserRole>(config);
        AsName<CredentialKind>(config);
        AsName<BillingMode>(config);
        AsName<CallType>(config);
        AsName<CallStatus>(config);
        AsName<CacheOutcome>(config);

        config.NewConfig<UserView, V1.User>();
        config.NewConfig<HubApp, V1.App>();
        config.NewConfig<AccessKeyView, V1.AccessKey>();
        config.NewConfig<ProviderView, V1.Provider>().Map(message => message.Provider_, view => view.Provider);
        config.NewConfig<CredentialView, V1.Credential>();
        config.NewConfig<BillingSettingsView, V1.BillingSettings>();
        config.NewConfig<RateView, V1.ModelRate>();
        config.NewConfig<Domain.Billing.Events.UnitCosts, V1.UnitCosts>();
        config.NewConfig<CreditBalanceView, V1.CreditBalance>();
        config.NewConfig<CreditTransactionView, V1.CreditTransaction>();
        config.NewConfig<CreditTransactionPage, V1.ListCreditTransactionsResponse>();
        config.NewConfig<CreditTransactionPage, V1.ListMyCreditTransactionsResponse>();
        config.NewConfig<ModelSkip, V1.SkippedModel>();
        config.NewConfig<Domain.Audit.AuditEntry, V1.AuditEntry>();
        config.NewConfig<CallRecord, V1.CallRecord>()
            .Map(message => message.ErrorKind, record => record.ErrorKind == ErrorKind.None ? string.Empty : SnakeCase(record.ErrorKind.ToString()))
            .Map(message => message.LatencyMs, record => Math.Round(record.LatencyMs, 3))
            .Map(message => message.TtfbMs, record => record.TtfbMs == null ? (double?)null : Math.Round(record.TtfbMs.Value, 3))
            .Map(message => message.ProviderTtfbMs, record => record.ProviderTtfbMs == null ? (double?)null : Math.Round(record.ProviderTtfbMs.Value, 3))
            .Ignore(message => message.Metadata)
            .AfterMapping((record, message) => CopyMetadata(record, message));
        config.NewConfig<DomainStatistics.UsageFigures, V1.UsageFigures>()
            .Map(message => message.CacheHitRate, figures => figures.CacheHitRate == null ? (double?)null : Math.Round(figures.CacheHitRate.Value, 4))
            .Map(message => message.LatencyAvgMs, figures => figures.LatencyAvgMs == null ? (double?)null : Math.Round(figures.LatencyAvgMs.Value, 3))
            .Map(message => message.LatencyP50Ms, figures => figures.LatencyP50Ms == null ? (double?)null : Math.Round(figures.LatencyP50Ms.Value, 3))
            .Map(message => message.LatencyP95Ms, figures => figures.LatencyP95Ms == null ? (double?)null : Math.Round(figures.LatencyP95Ms.Value, 3));
        return config;
    }

    private static TypeAdapterConfig CreateCompiled()
    {
        var config = Create();
        config.Compile();
        return config;
    }

    private static void CopyMetadata(CallRecord record, V1.CallRecord message)
    {
        foreach (var (key, value) in record.Metadata ?? new Dictionary<string, string>())
        {
            message.Metadata[key] = value;
        }
    }

    private static void AsName<TEnum>(TypeAdapterConfig config)
        where TEnum : struct, System.Enum =>
        config.NewConfig<TEnum, string>().MapWith(value => SnakeCase(value.ToString()));
}
