namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>
/// How the Bedrock adapters talk to any Bedrock Runtime endpoint (section "Providers:Bedrock:Adapter"): the limits of
/// "Providers:Http", overridden by this section's. Where, in which region and as whom each call goes comes with the
/// call, not from here.
/// </summary>
public sealed class BedrockAdapterOptions : UpstreamLimits
{
    public const string Section = "Providers:Bedrock:Adapter";

    protected override string KeyPrefix => Section + ":";
}
