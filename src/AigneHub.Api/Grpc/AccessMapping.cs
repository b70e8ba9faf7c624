using AigneHub.Application.Access;
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

    public static string RoleName(UserRole role) => ContractMapping.SnakeCase(role.ToString());

    public static V1.User ToMessage(UserView view) => ContractMapping.Map<V1.User>(view);

    public static V1.AccessKey ToMessage(AccessKeyView view) => ContractMapping.Map<V1.AccessKey>(view);

    public static DateTimeOffset? FromTimestamp(Timestamp? timestamp) => timestamp?.ToDateTimeOffset();
}
