namespace AigneHub.Domain.Models;

/// <summary>
/// A model as clients name it: "provider/model" routes to one provider ("openrouter/openai/gpt-4o": everything after
/// the first '/' is the provider's own model id); a bare name ("gpt-4o-mini") may be served by any provider.
/// A prefix that is not a known provider is part of a bare name (e.g. "meta-llama/Llama-3" on a self-hosted server);
/// a known provider's name is read in any case and kept in its canonical spelling ("OpenAI/gpt-4o" is openai's).
/// </summary>
public readonly record struct ModelName
{
    private ModelName(string? provider, string model)
    {
        Provider = provider;
        Model = model;
    }

    /// <summary>The provider the client chose, or null for a bare name.</summary>
    public string? Provider { get; }

    /// <summary>The model id as the provider knows it.</summary>
    public string Model { get; }

    public bool IsBare => Provider is null;

    public static bool TryParse(string? value, out ModelName name)
    {
        name = default;
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxLength || value.AsSpan().ContainsAny(Forbidden))
        {
            return false;
        }

        var slash = value.IndexOf('/');
        if (slash > 0 && ProviderNames.TryCanonical(value[..slash], out var provider))
        {
            var model = value[(slash + 1)..];
            if (model.Length == 0)
            {
                return false;
            }

            name = new ModelName(provider, model);
            return true;
        }

        if (slash == 0 || value.EndsWith('/'))
        {
            return false;
        }

        name = new ModelName(null, value);
        return true;
    }

    /// <summary>Whitespace and control characters: no provider's model id has them, and they must never reach one.</summary>
    private static readonly System.Buffers.SearchValues<char> Forbidden = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, 0x21).Select(c => (char)c).Concat(Enumerable.Range(0x7f, 0x21).Select(c => (char)c)).Concat(['\u00a0', '\u2028', '\u2029', '\ufeff']).ToArray());

    /// <summary>Model names longer than this are refused: no provider uses ids anywhere near it.</summary>
    public const int MaxLength = 256;

    public string Qualified(string provider) => provider + "/" + Model;

    public override string ToString() => Provider is null ? Model : Provider + "/" + Model;
}
