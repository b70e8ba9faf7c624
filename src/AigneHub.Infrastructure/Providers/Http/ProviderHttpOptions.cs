namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// The limits every provider adapter starts from (section "Providers:Http"). See docs/configuration.md. A protocol's
/// own section ("Providers:Anthropic:Adapter", "Providers:Bedrock:Adapter") overrides them for that protocol. The
/// <see cref="UpstreamTransport"/> enforces them itself, so that a timeout can be told apart from the caller giving up.
/// </summary>
public sealed class ProviderHttpOptions : UpstreamLimits
{
    public const string Section = "Providers:Http";

    /// <summary>
    /// Where the two limits lived while OpenAI was the only provider. Still read, so existing deployments keep their
    /// limits, but only where the "Providers:Http" key is unset.
    /// </summary>
    public const string LegacySection = "Providers:OpenAI";

    protected override string KeyPrefix => Section + ":";
}
