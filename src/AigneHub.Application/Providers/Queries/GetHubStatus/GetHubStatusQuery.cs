namespace AigneHub.Application.Providers.Queries.GetHubStatus;

/// <summary>
/// Whether the hub can take calls: some provider is ready, or, with <paramref name="Model"/>, whether that model routes
/// to a provider. Null or empty asks about the hub as a whole.
/// </summary>
public sealed record GetHubStatusQuery(string? Model) : IQuery<HubStatusView>;

/// <summary>The answer: available, or not with the reason a person can read.</summary>
public sealed record HubStatusView(bool Available, string? Error);
