namespace AigneHub.Application.Routing.Fallbacks;

/// <summary>
/// Recognises, from the reason an upstream gave for rejecting a request, the two rejections another model may not
/// share: a prompt too long for this model's context window, and a refusal under this provider's content policy.
/// Providers word them differently (OpenAI <c>context_length_exceeded</c> / <c>content_filter</c>, Anthropic "prompt is
/// too long", Gemini <c>SAFETY</c>), so the check looks for each one's words.
/// </summary>
internal static class UpstreamRefusals
{
    private static readonly string[] ContextLengthWords =
        ["context_length", "context length", "context window", "maximum context", "prompt is too long", "too many tokens", "input is too long", "exceeds the maximum number of tokens"];

    private static readonly string[] ContentFilterWords =
        ["content_filter", "content filter", "content policy", "content_policy", "content management policy", "safety", "moderation", "flagged"];

    public static bool IsContextLength(UpstreamException rejected) =>
        rejected.UpstreamStatus == 413 || Mentions(rejected.Message, ContextLengthWords);

    public static bool IsContentFilter(UpstreamException rejected) => Mentions(rejected.Message, ContentFilterWords);

    private static bool Mentions(string message, string[] words) =>
        words.Any(word => message.Contains(word, StringComparison.OrdinalIgnoreCase));
}
