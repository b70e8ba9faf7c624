using AigneHub.Domain.Billing.Events;

namespace AigneHub.Infrastructure.Billing;

/// <summary>
/// Reads a pricing catalogue (docs/billing.md describes the format): prices per million tokens, or per image, in US
/// dollars, read as decimals straight from the JSON numbers so nothing passes through floating point.
/// </summary>
internal sealed class RateCatalogueReader(IHttpClientFactory http, IOptions<RateCatalogueOptions> options) : IRateCatalogue
{
    public const string HttpClientName = "rate-catalogue";
    public const string BuiltInSource = "built-in";
    private const string ResourceName = "AigneHub.Infrastructure.Billing.rate-catalogue.json";
    private const decimal Million = 1_000_000m;

    public string Source => string.IsNullOrWhiteSpace(options.Value.Source) ? BuiltInSource : options.Value.Source;

    /// <summary>Reads and checks the whole catalogue; one that cannot be read or is malformed is an <see cref="UpstreamException"/> saying why.</summary>
    public async Task<IReadOnlyList<CatalogueRate>> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await OpenAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            return Parse(document.RootElement);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or HttpRequestException or JsonException or TaskCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, "rate-catalogue", $"The rate catalogue ({Source}) could not be read: {ex.Message}", inner: ex);
        }
    }

    internal static IReadOnlyList<CatalogueRate> Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("A rate catalogue is a JSON object with a \"models\" array.");
        }

        var rates = new List<CatalogueRate>();
        var index = 0;
        foreach (var model in models.EnumerateArray())
        {
            var type = Text(model, "type", index) switch
            {
                "chat" => CallType.Chat,
                "embedding" => CallType.Embedding,
                "image" => CallType.Image,
                var other => throw new InvalidDataException($"models[{index}].type '{other}' is not chat, embedding or image."),
            };
            var costs = type == CallType.Image
                ? new UnitCosts(0m, Price(model, "per_image", index, 1m)!.Value)
                : new UnitCosts(
                    Price(model, "input_per_million", index, Million)!.Value,
                    Price(model, "output_per_million", index, Million, optional: type == CallType.Embedding) ?? 0m,
                    Price(model, "cache_read_per_million", index, Million, optional: true),
                    Price(model, "cache_write_per_million", index, Million, optional: true));
            var deprecated = model.TryGetProperty("deprecated", out var flag) && flag.ValueKind == JsonValueKind.True;
            rates.Add(new CatalogueRate(Text(model, "provider", index), Text(model, "model", index), type, costs, deprecated));
            index++;
        }

        return rates;
    }

    private async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        var source = options.Value.Source;
        if (string.IsNullOrWhiteSpace(source))
        {
            return typeof(RateCatalogueReader).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"The built-in rate catalogue ({ResourceName}) is missing from the build.");
        }

        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            var client = http.CreateClient(HttpClientName);
            client.Timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
            var bytes = await client.GetByteArrayAsync(uri, cancellationToken);
            return new MemoryStream(bytes, writable: false);
        }

        return File.OpenRead(source);
    }

    private static string Text(JsonElement model, string name, int index) =>
        model.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new InvalidDataException($"models[{index}].{name} is required.");

    private static decimal? Price(JsonElement model, string name, int index, decimal per, bool optional = false)
    {
        if (!model.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return optional ? null : throw new InvalidDataException($"models[{index}].{name} is required.");
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var price) || price < 0)
        {
            throw new InvalidDataException($"models[{index}].{name} must be a non-negative number.");
        }

        return price / per;
    }
}
