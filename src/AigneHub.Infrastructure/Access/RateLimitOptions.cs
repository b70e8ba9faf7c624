namespace AigneHub.Infrastructure.Access;

/// <summary>Default per-key and per-user limits on model calls (section "RateLimits"); 0 means no limit.</summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimits";

    /// <summary>Every key's limits unless the key has its own (requests_per_minute / tokens_per_minute on the key).</summary>
    [Required]
    public RateLimitPair Key { get; set; } = new();

    /// <summary>Every user's limits, across all their keys and tokens.</summary>
    [Required]
    public RateLimitPair User { get; set; } = new();

    /// <summary>Data annotations do not look inside nested objects: the two pairs are checked here, naming the key.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, pair) in new[] { (nameof(Key), Key), (nameof(User), User) })
        {
            var results = new List<ValidationResult>();
            if (pair is not null && !Validator.TryValidateObject(pair, new ValidationContext(pair), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return new ValidationResult(
                        $"{Section}:{name}:{string.Join(",", result.MemberNames)}: {result.ErrorMessage}",
                        result.MemberNames.Select(member => $"{name}.{member}"));
                }
            }
        }
    }
}

public sealed class RateLimitPair
{
    [Range(0, int.MaxValue)]
    public int RequestsPerMinute { get; set; }

    [Range(0, int.MaxValue)]
    public int TokensPerMinute { get; set; }
}
