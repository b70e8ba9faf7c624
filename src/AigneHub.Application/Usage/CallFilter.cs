namespace AigneHub.Application.Usage;

/// <summary>Which call records a history query or export covers; every part is optional.</summary>
/// <param name="From">Calls that started at or after this instant.</param>
/// <param name="To">Calls that started before this instant.</param>
/// <param name="MinLatencyMs">Calls that took at least this long.</param>
/// <param name="TeamId">Calls made with the keys of this team.</param>
public sealed record CallFilter(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? UserId = null,
    string? AppId = null,
    string? Provider = null,
    string? Model = null,
    CallType? CallType = null,
    CallStatus? Status = null,
    double? MinLatencyMs = null,
    string? TeamId = null)
{
    public static CallFilter None { get; } = new();
}
