using System.Globalization;

namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>What signing produced, step by step, so each step can be checked against AWS's published test suite.</summary>
internal sealed record SigV4Signature(string CanonicalRequest, string StringToSign, string Signature, string Authorization);

/// <summary>
/// AWS Signature Version 4 for one HTTP request (header-based, <c>AWS4-HMAC-SHA256</c>): the canonical request, the
/// string to sign over its hash and the credential scope, the signing key derived from the secret by an HMAC chain
/// over date, region, service and "aws4_request", and the <c>Authorization</c> header. Written by hand and checked
/// against AWS's published vectors (docs/adr/0005-sigv4-signing.md). The secret never leaves this class except as
/// the derived key's HMAC, and no exception or returned value contains it.
/// </summary>
internal sealed class SigV4Signer(TimeProvider time)
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string DateHeader = "x-amz-date";
    public const string ContentHashHeader = "x-amz-content-sha256";

    private const string TerminationString = "aws4_request";

    /// <summary>
    /// Adds <c>x-amz-date</c> (from the clock), optionally <c>x-amz-content-sha256</c>, and <c>Authorization</c> to
    /// <paramref name="request"/>. Signed are <c>host</c>, the content's <c>content-type</c>, and every <c>x-amz-*</c>
    /// header. The request URI must be the one sent, in its escaped form: for services other than S3 the canonical
    /// path encodes each escaped segment once more (so a model id's ':' is "%3A" on the wire and "%253A" here).
    /// </summary>
    /// <param name="payload">The exact body bytes that will be sent (empty for none).</param>
    /// <param name="addContentHashHeader">
    /// Whether to send (and sign) the payload hash as <c>x-amz-content-sha256</c>; AWS's generic test vectors do not.
    /// </param>
    public SigV4Signature Sign(
        HttpRequestMessage request,
        ReadOnlySpan<byte> payload,
        string accessKeyId,
        string secretAccessKey,
        string region,
        string service,
        bool addContentHashHeader = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request URI must be absolute.", nameof(request));
        }

        var now = time.GetUtcNow().UtcDateTime;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(payload));

        request.Headers.Remove(DateHeader);
        request.Headers.TryAddWithoutValidation(DateHeader, amzDate);
        request.Headers.Remove(ContentHashHeader);
        if (addContentHashHeader)
        {
            request.Headers.TryAddWithoutValidation(ContentHashHeader, payloadHash);
        }

        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", request.Headers.Host ?? uri.Authority),
        };
        foreach (var header in request.Headers)
        {
            if (header.Key.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(new(header.Key, string.Join(',', header.Value)));
            }
        }

        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers.Add(new("content-type", contentType.ToString()));
        }

        var signature = Compute(
            request.Method.Method,
            CanonicalUri(uri.AbsolutePath),
            CanonicalQuery(uri.Query),
            headers,
            payloadHash,
            accessKeyId,
            secretAccessKey,
            new Scope(now, region, service));
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        return signature;
    }

    /// <summary>The signature of an already canonical request description.</summary>
    /// <param name="headers">Names in any case; a repeated name's values are joined with ','.</param>
    public static SigV4Signature Compute(
        string method,
        string canonicalUri,
        string canonicalQuery,
        IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash,
        string accessKeyId,
        string secretAccessKey,
        Scope scope)
    {
        var canonicalHeaders = headers
            .GroupBy(h => h.Key.Trim().ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => TrimValue(h.Value)))))
            .ToList();
        var signedHeaders = string.Join(';', canonicalHeaders.Select(h => h.Name));

        var canonical = new StringBuilder();
        canonical.Append(method.ToUpperInvariant()).Append('\n');
        canonical.Append(canonicalUri).Append('\n');
        canonical.Append(canonicalQuery).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
        {
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var canonicalRequest = canonical.ToString();

        var credentialScope = $"{scope.Date}/{scope.Region}/{scope.Service}/{TerminationString}";
        var stringToSign = $"{Algorithm}\n{scope.AmzDate}\n{credentialScope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

        var key = SigningKey(secretAccessKey, scope);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        var authorization = $"{Algorithm} Credential={accessKeyId}/{credentialScope}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SigV4Signature(canonicalRequest, stringToSign, signature, authorization);
    }

    /// <summary>The HMAC chain: secret → date → region → service → "aws4_request".</summary>
    public static byte[] SigningKey(string secretAccessKey, Scope scope)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(scope.Date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scope.Region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scope.Service));
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(TerminationString));
    }

    /// <summary>Each segment of the path as sent, URI-encoded (again); '/' separators stay. An empty path is "/".</summary>
    public static string CanonicalUri(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        return string.Join('/', path.Split('/').Select(UriEncode));
    }

    /// <summary>The query's parameters, decoded then encoded the AWS way, sorted by name then value.</summary>
    public static string CanonicalQuery(string query)
    {
        var trimmed = query.StartsWith('?') ? query[1..] : query;
        if (trimmed.Length == 0)
        {
            return string.Empty;
        }

        return string.Join('&', trimmed
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? string.Empty : pair[(equals + 1)..];
                return (Name: UriEncode(Uri.UnescapeDataString(name)), Value: UriEncode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>RFC 3986 encoding as SigV4 defines it: unreserved characters stay, every other UTF-8 byte is "%XX".</summary>
    public static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Leading and trailing spaces removed, inner runs of spaces collapsed to one.</summary>
    private static string TrimValue(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }

        var builder = new StringBuilder(trimmed.Length);
        var lastWasSpace = false;
        foreach (var c in trimmed)
        {
            var space = c == ' ';
            if (!space || !lastWasSpace)
            {
                builder.Append(c);
            }

            lastWasSpace = space;
        }

        return builder.ToString();
    }

    /// <summary>The credential scope: the signing day, region and service.</summary>
    internal sealed record Scope(DateTime Time, string Region, string Service)
    {
        public string Date => Time.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

        public string AmzDate => Time.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
    }
}
