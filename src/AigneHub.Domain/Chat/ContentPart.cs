namespace AigneHub.Domain.Chat;

/// <summary>One part of a multi-part message: text or an image (by URL or data: URL).</summary>
public abstract record ContentPart;

public sealed record TextPart(string Text) : ContentPart;

/// <param name="Detail">"low", "high" or "auto" where the provider supports it; null for the provider's default.</param>
public sealed record ImagePart(string Url, string? Detail) : ContentPart;
