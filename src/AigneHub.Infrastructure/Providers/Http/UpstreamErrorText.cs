using System.Text.RegularExpressions;

namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// Makes upstream-written text (an error message, type or code) safe to show a caller or write to a log: anything
/// that looks like a credential is masked, control characters become spaces, and the length is bounded.
/// </summary>
internal static partial class UpstreamErrorText
{
    public const int MaxMessageLength = 500;

    private const string Mask = "****";

    // Upstream text is scrubbed, never parsed for meaning: a longer input is cut before the patterns run.
    private const int MaxInputLength = 4 * MaxMessageLength;

    /// <summary>
    /// What a caller sees when a provider rejects a request as invalid: which provider, and its own reason (scrubbed)
    /// when it gave one, since that reason is what lets the caller fix the request. Within the usual length bound.
    /// </summary>
    public static string Rejected(string provider, string? upstreamMessage, string? secret, int status)
    {
        var rejected = $"The {provider} provider rejected the request";
        var detail = Scrub(upstreamMessage, secret, MaxMessageLength - rejected.Length - 2);
        return detail is null ? $"{rejected} (HTTP {status})." : $"{rejected}: {detail}";
    }

    /// <summary>The scrubbed text, or null when nothing readable is left.</summary>
    /// <param name="secret">A secret known to the caller (the API key in use), masked wherever it appears.</param>
    public static string? Scrub(string? text, string? secret, int maxLength = MaxMessageLength)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > MaxInputLength)
        {
            text = text[..MaxInputLength];
        }

        if (!string.IsNullOrEmpty(secret) && text.Contains(secret, StringComparison.Ordinal))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        try
        {
            text = SecretKeyPattern().Replace(text, Mask);
            text = BearerTokenPattern().Replace(text, "Bearer " + Mask);
            text = OpaqueTokenPattern().Replace(text, Mask);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }

        text = CollapseControlCharacters(text).Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (text.Length > maxLength)
        {
            var cut = char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength;
            text = string.Concat(text.AsSpan(0, cut).TrimEnd(), "…");
        }

        return text;
    }

    private static string CollapseControlCharacters(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var lastWasSpace = false;
        foreach (var c in text)
        {
            var space = char.IsControl(c) || c == ' ';
            if (!space || !lastWasSpace)
            {
                builder.Append(space ? ' ' : c);
            }

            lastWasSpace = space;
        }

        return builder.ToString();
    }

    // OpenAI-style keys, including the masked form OpenAI quotes back ("sk-proj-ab12****wxyz"), and Google API keys.
    [GeneratedRegex(@"\b(?:sk-|AIza)[A-Za-z0-9_\-\*]{3,}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 250)]
    private static partial Regex SecretKeyPattern();

    [GeneratedRegex(@"\bBearer\s+[^\s,;""']+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 250)]
    private static partial Regex BearerTokenPattern();

    // Long base64/hex runs: tokens, signatures, other providers' keys. A run of 24 or more must hold a digit unless it
    // reaches 40 (plain text has no 40-letter words). '-' ends a run, so model names ("gpt-4o-mini-2024-07-18") stay.
    [GeneratedRegex(
        @"(?<![A-Za-z0-9+/_])(?:(?=[A-Za-z+/_]*[0-9])[A-Za-z0-9+/_]{24,}|[A-Za-z0-9+/_]{40,})={0,2}",
        RegexOptions.CultureInvariant,
        matchTimeoutMilliseconds: 250)]
    private static partial Regex OpaqueTokenPattern();
}
