namespace AigneHub.Domain.Teams;

/// <summary>
/// A team as its stream says: members (a user may be in several teams) with their team role, and the keys issued as
/// the team's. Built only by <see cref="Create"/> and the Apply methods; the decisions are in <see cref="TeamDecisions"/>.
/// </summary>
public sealed class Team
{
    private readonly Dictionary<string, TeamRole> _members = new(StringComparer.Ordinal);
    private readonly List<string> _keyIds = [];

    public string Id { get; set; } = string.Empty;

    public int Version { get; set; }

    public string Name { get; private set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public IReadOnlyDictionary<string, TeamRole> Members
    {
        get => _members;
        private set
        {
            _members.Clear();
            foreach (var (user, role) in value)
            {
                _members[user] = role;
            }
        }
    }

    public IReadOnlyList<string> KeyIds
    {
        get => _keyIds;
        private set
        {
            _keyIds.Clear();
            _keyIds.AddRange(value);
        }
    }

    public static string StreamIdFor(string teamId) => teamId;

    public static Team Create(TeamCreated e) => new() { Id = e.TeamId, Name = e.Name, CreatedAt = e.At, UpdatedAt = e.At };

    public void Apply(TeamMemberSet e)
    {
        _members[e.UserId] = e.Role;
        UpdatedAt = e.At;
    }

    public void Apply(TeamMemberRemoved e)
    {
        _members.Remove(e.UserId);
        UpdatedAt = e.At;
    }

    public void Apply(TeamKeyAdded e)
    {
        _keyIds.Add(e.KeyId);
        UpdatedAt = e.At;
    }

    /// <summary>The user's role in this team; null when they are not a member.</summary>
    public TeamRole? RoleOf(string userId) => _members.TryGetValue(userId, out var role) ? role : null;
}
