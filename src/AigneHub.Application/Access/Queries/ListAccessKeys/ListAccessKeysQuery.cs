namespace AigneHub.Application.Access.Queries.ListAccessKeys;

/// <param name="UserId">Only this user's keys; null for every key (admins).</param>
public sealed record ListAccessKeysQuery(string? UserId) : IQuery<IReadOnlyList<AccessKeyView>>;
