namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>
/// How the Bedrock Converse adapter talks to any Bedrock Runtime endpoint (section "Providers:Bedrock:Adapter").
/// Where, in which region and as whom each call goes comes with the call, not from here.
/// </summary>
public sealed class BedrockAdapterOptions
{
    public const string Section = "Providers:Bedrock:Adapter";

    /// <summary>Limit on a whole non-streamed call, and on the wait for response headers of a streamed one.</summary>
    public int TimeoutSeconds { get; set; } = 100;

    /// <summary>Longest silence allowed between two reads of a streamed answer.</summary>
    public int StreamIdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Every configuration problem, worded for an operator; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (TimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{Section}:TimeoutSeconds must be between 1 and 3600.");
        }

        if (StreamIdleTimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{Section}:StreamIdleTimeoutSeconds must be between 1 and 3600.");
        }

        return failures;
    }
}
