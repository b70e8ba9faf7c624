namespace AigneHub.Application.Providers;

/// <summary>Input-shape rules shared by the provider commands; the state rules live in the domain decisions.</summary>
internal static class ProviderFieldRules
{
    public static IRuleBuilderOptions<T, string> KnownProvider<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().WithMessage("provider is required")
            .Must(p => ProviderNames.IsKnown(p) && p != ProviderNames.Demo)
            .WithMessage(p => $"provider must be one of: {string.Join(", ", ProviderNames.All.Where(n => n != ProviderNames.Demo).Order())}");

    public static IRuleBuilderOptions<T, string?> OptionalHttpUrl<T>(this IRuleBuilder<T, string?> rule) =>
        rule.SentUpstream("base_url", UpstreamValues.MaxBaseUrlLength)
            .Must(url => url is null || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(uri.UserInfo)))
            .WithMessage("base_url must be an absolute http(s) URL without credentials in it");

    // \z, not $: in .NET $ also matches before a final newline.
    public static IRuleBuilderOptions<T, string?> OptionalRegion<T>(this IRuleBuilder<T, string?> rule) =>
        rule.SentUpstream("region", UpstreamValues.MaxRegionLength)
            .Matches("^[a-z]{2}(-[a-z]+)+-[0-9]\\z").When((_, region) => region is not null)
            .WithMessage("region must look like an AWS region, e.g. us-east-1");

    /// <summary>
    /// A value the hub writes into an upstream request line or header (<see cref="UpstreamValues"/>): no control
    /// character, at most <paramref name="maxLength"/> characters. The message names the field, never the value.
    /// </summary>
    public static IRuleBuilderOptions<T, string?> SentUpstream<T>(this IRuleBuilder<T, string?> rule, string field, int maxLength) =>
        rule.Must(value => !UpstreamValues.HasControlCharacter(value))
            .WithMessage($"{field} must not contain control characters (such as CR, LF or NUL): it is sent to the provider in a request header or line")
            .MaximumLength(maxLength)
            .WithMessage($"{field} must be at most {maxLength} characters");
}
