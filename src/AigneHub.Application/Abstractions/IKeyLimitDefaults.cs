namespace AigneHub.Application.Abstractions;

/// <summary>The limits of a key that has none of its own (configuration); a key never creates one that may do more.</summary>
public interface IKeyLimitDefaults
{
    /// <summary>Requests and tokens per minute; null where the configuration sets no limit.</summary>
    KeyLimits Key { get; }
}
