using AigneHub.Application.Access.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Access;
using Google.Protobuf.WellKnownTypes;

namespace AigneHub.Api.Grpc;

/// <summary>Maps the access views to their messages and the role names of the wire to <see cref="UserRole"/>.</summary>
internal static class AccessMapping
{
    public static UserRole Role(string value, UserRole? whenEmpty = null) => value.ToLowerInvariant() switch
    {
        "owner" => UserRole.Owner,
        "admin" => UserRole.Admin,
        "member" => UserRole.Member,
        "" when whenEmpty is { } fallback => fallback,
        _ => throw new RequestValidationException([new FieldViolation("role", "role must be owner, admin or member")]),
    };

    public static string RoleName(UserRole role) => role.ToString().ToLowerInvariant();

    public static V1.User ToMessage(UserView view)
    {
        var message = new V1.User
        {
            Id = view.Id,
            DisplayName = view.DisplayName,
            Role = RoleName(view.Role),
            Version = view.Version,
            CreatedAt = Timestamp.FromDateTimeOffset(view.CreatedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(view.UpdatedAt),
        };
        if (view.Email is not null)
        {
            message.Email = view.Email;
        }

        if (view.Subject is not null)
        {
            message.Subject = view.Subject;
        }

        message.Apps.AddRange(view.Apps.Select(a => new V1.App { AppId = a.AppId, Name = a.Name, RegisteredAt = Timestamp.FromDateTimeOffset(a.RegisteredAt) }));
        return message;
    }

    public static V1.AccessKey ToMessage(AccessKeyView view)
    {
        var message = new V1.AccessKey
        {
            KeyId = view.KeyId,
            Masked = view.Masked,
            UserId = view.UserId,
            Name = view.Name,
            Version = view.Version,
            CreatedAt = Timestamp.FromDateTimeOffset(view.CreatedAt),
            ExpiresAt = ToTimestamp(view.ExpiresAt),
            RotatedAt = ToTimestamp(view.RotatedAt),
            RevokedAt = ToTimestamp(view.RevokedAt),
            LastUsedAt = ToTimestamp(view.LastUsedAt),
        };
        if (view.AppId is not null)
        {
            message.AppId = view.AppId;
        }

        if (view.RequestsPerMinute is { } rpm)
        {
            message.RequestsPerMinute = rpm;
        }

        if (view.TokensPerMinute is { } tpm)
        {
            message.TokensPerMinute = tpm;
        }

        message.Scopes.AddRange(view.Scopes);
        message.Models.AddRange(view.Models);
        message.AllowedIps.AddRange(view.AllowedIps);
        return message;
    }

    public static DateTimeOffset? FromTimestamp(Timestamp? timestamp) => timestamp?.ToDateTimeOffset();

    private static Timestamp? ToTimestamp(DateTimeOffset? value) => value is { } at ? Timestamp.FromDateTimeOffset(at) : null;
}
