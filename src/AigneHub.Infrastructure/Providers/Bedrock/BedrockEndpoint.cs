using System.Text.RegularExpressions;

namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>Where Bedrock Runtime lives: one endpoint per region, so its default comes from the region, not a constant.</summary>
internal static partial class BedrockEndpoint
{
    /// <summary>
    /// "https://bedrock-runtime.{region}.amazonaws.com" for the bedrock provider with a well-formed region; null for
    /// any other provider or region (a region is spliced into a host name, so only letters, digits and '-' pass).
    /// </summary>
    public static Uri? DefaultFor(string provider, string? region) =>
        provider == ProviderNames.Bedrock && region is not null && RegionPattern().IsMatch(region)
            ? new Uri($"https://bedrock-runtime.{region}.amazonaws.com")
            : null;

    /// <summary>The region named by a regional endpoint's host ("bedrock-runtime.eu-west-1.amazonaws.com").</summary>
    public static string? RegionOf(Uri endpoint)
    {
        var match = HostPattern().Match(endpoint.Host);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z0-9]+){2,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex HostPattern();
}
