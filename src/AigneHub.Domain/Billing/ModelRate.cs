namespace AigneHub.Domain.Billing;

/// <summary>
/// The current version of one model's rate: credits per token (per image for image output). The stream version is
/// the rate version that every call priced by it records.
/// </summary>
public sealed class ModelRate
{
    /// <summary>The stream key, e.g. "rate:chat:openai/gpt-4o-mini".</summary>
    public string Id { get; set; } = string.Empty;

    public int Version { get; set; }

    public string Provider { get; private set; } = string.Empty;

    public string Model { get; private set; } = string.Empty;

    public CallType Type { get; private set; }

    public decimal InputRate { get; private set; }

    public decimal OutputRate { get; private set; }

    public decimal? CacheReadRate { get; private set; }

    public decimal? CacheWriteRate { get; private set; }

    public UnitCosts? UnitCosts { get; private set; }

    public bool Deprecated { get; private set; }

    public string Source { get; private set; } = string.Empty;

    public DateTimeOffset UpdatedAt { get; private set; }

    public static string StreamIdFor(CallType type, string provider, string model) =>
        $"rate:{type.ToString().ToLowerInvariant()}:{provider}/{model}";

    public static ModelRate Create(ModelRateSet e)
    {
        var rate = new ModelRate { Id = e.RateId };
        rate.Apply(e);
        return rate;
    }

    public void Apply(ModelRateSet e)
    {
        Provider = e.Provider;
        Model = e.Model;
        Type = e.Type;
        InputRate = e.InputRate;
        OutputRate = e.OutputRate;
        CacheReadRate = e.CacheReadRate;
        CacheWriteRate = e.CacheWriteRate;
        UnitCosts = e.UnitCosts;
        Deprecated = e.Deprecated;
        Source = e.Source;
        UpdatedAt = e.At;
    }
}

/// <summary>The prices of one rate version, as an operator or the catalogue gives them.</summary>
public sealed record RateValues(decimal InputRate, decimal OutputRate, decimal? CacheReadRate, decimal? CacheWriteRate, UnitCosts? UnitCosts, bool Deprecated);
