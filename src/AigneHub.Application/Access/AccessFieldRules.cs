using System.Net.Mail;

namespace AigneHub.Application.Access;

/// <summary>Input-shape rules shared by the access commands; the state rules live in <see cref="AccessDecisions"/>.</summary>
internal static class AccessFieldRules
{
    public const int MaxListEntries = 50;

    public static IRuleBuilderOptions<T, string> Name<T>(this IRuleBuilder<T, string> rule, string field) =>
        rule.NotEmpty().WithMessage($"{field} is required")
            .MaximumLength(100).WithMessage($"{field} must be at most 100 characters")
            .Must(n => !n.Any(char.IsControl)).WithMessage($"{field} must not contain control characters")
            .OverridePropertyName(field);

    public static IRuleBuilderOptions<T, string?> OptionalEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(e => e is null || (e.Length <= 254 && MailAddress.TryCreate(e, out var parsed) && parsed.Address == e))
            .WithMessage("email must be a plain e-mail address such as ada@example.com");

    public static IRuleBuilderOptions<T, string> Id<T>(this IRuleBuilder<T, string> rule, string field) =>
        rule.NotEmpty().WithMessage($"{field} is required")
            .MaximumLength(100).WithMessage($"{field} must be at most 100 characters")
            .Matches("^[A-Za-z0-9._:@-]+$").WithMessage($"{field} may hold only letters, digits and . _ : @ -")
            .OverridePropertyName(field);

    public static IRuleBuilderOptions<T, IReadOnlyList<string>> Scopes<T>(this IRuleBuilder<T, IReadOnlyList<string>> rule) =>
        rule.NotEmpty().WithMessage($"scopes is required: one or more of {string.Join(", ", KeyScopes.All)}")
            .Must(s => s.All(KeyScopes.IsKnown)).WithMessage(s => $"scopes may hold only {string.Join(", ", KeyScopes.All)}");

    public static IRuleBuilderOptions<T, IReadOnlyList<string>> ModelPatterns<T>(this IRuleBuilder<T, IReadOnlyList<string>> rule) =>
        rule.Must(m => m.Count <= MaxListEntries).WithMessage($"models may hold at most {MaxListEntries} patterns")
            .Must(m => m.All(ModelPattern.IsValid)).WithMessage("models must be model names or patterns such as openai/* (a single trailing *)");

    public static IRuleBuilderOptions<T, IReadOnlyList<string>> IpRanges<T>(this IRuleBuilder<T, IReadOnlyList<string>> rule) =>
        rule.Must(m => m.Count <= MaxListEntries).WithMessage($"allowed_ips may hold at most {MaxListEntries} entries")
            .Must(m => m.All(ip => IpRange.TryParse(ip, out _))).WithMessage("allowed_ips must be IP addresses or CIDR blocks such as 10.0.0.0/8 or 2001:db8::/32");

    public static IRuleBuilderOptions<T, int> ExpectedVersion<T>(this IRuleBuilder<T, int> rule) =>
        rule.GreaterThan(0).WithMessage("expected_version is required: send the version you last read");

    /// <summary>Who asks (set by the edge, not sent by the client): named "Actor" however the command carries it.</summary>
    public static IRuleBuilderOptions<T, string> Actor<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(200).OverridePropertyName("Actor");
}
