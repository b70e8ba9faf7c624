namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>
/// How the Anthropic Messages adapter talks to any Anthropic endpoint (section "Providers:Anthropic:Adapter"). Where
/// and as whom each call goes comes with the call (<see cref="Application.Abstractions.ProviderTarget"/>), not from here.
/// The limits start from "Providers:Http" and are overridden by this section's (Anthropic pings idle streams).
/// </summary>
public sealed class AnthropicAdapterOptions : UpstreamLimits
{
    public const string Section = "Providers:Anthropic:Adapter";

    /// <summary>Anthropic's own API root; the adapter appends "/v1/messages".</summary>
    public const string DefaultBaseUrl = "https://api.anthropic.com";

    /// <summary>The API version this adapter's mapping is written against.</summary>
    public const string DefaultAnthropicVersion = "2023-06-01";

    /// <summary>
    /// Sent as <c>max_tokens</c> when the caller set no limit: Anthropic requires one, where OpenAI's callers may leave
    /// it out.
    /// </summary>
    public int DefaultMaxTokens { get; set; } = 4096;

    /// <summary>The <c>anthropic-version</c> header.</summary>
    public string AnthropicVersion { get; set; } = DefaultAnthropicVersion;

    protected override string KeyPrefix => Section + ":";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (DefaultMaxTokens < 1)
        {
            failures.Add($"{Section}:DefaultMaxTokens must be at least 1.");
        }

        if (string.IsNullOrWhiteSpace(AnthropicVersion))
        {
            failures.Add($"{Section}:AnthropicVersion is required.");
        }
        else if (AnthropicVersion.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            failures.Add($"{Section}:AnthropicVersion must not contain whitespace or control characters.");
        }

        ValidateLimits(failures);
        return failures;
    }
}
