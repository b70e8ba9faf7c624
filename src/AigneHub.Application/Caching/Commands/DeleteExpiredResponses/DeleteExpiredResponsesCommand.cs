namespace AigneHub.Application.Caching.Commands.DeleteExpiredResponses;

/// <summary>Delete the cached answers whose TTL has passed; answers how many went.</summary>
public sealed record DeleteExpiredResponsesCommand : ICommand<int>;
