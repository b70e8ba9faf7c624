namespace AigneHub.Domain.Access;

/// <summary>
/// A user as their stream says: built only by <see cref="Create"/> and the Apply methods, which assign and decide
/// nothing (the decisions are in <see cref="AccessDecisions"/>). Kept as an inline snapshot: the admin API's read model.
/// </summary>
public sealed class HubUser
{
    private readonly List<HubApp> _apps = [];

    /// <summary>The stream key.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The stream version this state reflects (Marten sets it).</summary>
    public int Version { get; set; }

    public string DisplayName { get; private set; } = string.Empty;

    public string? Email { get; private set; }

    public UserRole Role { get; private set; }

    /// <summary>The OIDC issuer and subject (<c>issuer|sub</c>) of a user created from a token; null for one created by an admin.</summary>
    public string? Subject { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>When an admin disabled the user (null: enabled). A disabled user's keys and tokens are refused.</summary>
    public DateTimeOffset? DisabledAt { get; private set; }

    /// <summary>Why, as the admin who disabled the user wrote it.</summary>
    public string? DisabledReason { get; private set; }

    public bool IsDisabled => DisabledAt is not null;

    public DateTimeOffset UpdatedAt { get; private set; }

    public IReadOnlyList<HubApp> Apps
    {
        get => _apps;
        private set
        {
            _apps.Clear();
            _apps.AddRange(value);
        }
    }

    public static HubUser Create(UserCreated e) => new()
    {
        Id = e.UserId,
        DisplayName = e.DisplayName,
        Email = e.Email,
        Role = e.Role,
        Subject = e.Subject,
        CreatedAt = e.At,
        UpdatedAt = e.At,
    };

    public void Apply(UserRoleChanged e)
    {
        Role = e.To;
        UpdatedAt = e.At;
    }

    public void Apply(UserDisabled e)
    {
        DisabledAt = e.At;
        DisabledReason = e.Reason;
        UpdatedAt = e.At;
    }

    public void Apply(UserEnabled e)
    {
        DisabledAt = null;
        DisabledReason = null;
        UpdatedAt = e.At;
    }

    public void Apply(AppRegistered e)
    {
        _apps.Add(new HubApp(e.AppId, e.Name, e.At));
        UpdatedAt = e.At;
    }
}

/// <summary>An app (client id) of a user.</summary>
public sealed record HubApp(string AppId, string Name, DateTimeOffset RegisteredAt);
