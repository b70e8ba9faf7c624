namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// Limits of the Gemini adapters (<see cref="GeminiAdapter"/>, embeddings, Imagen): those of "Providers:Http", which
/// code may override. Where and as whom a call goes comes with each call
/// (<see cref="Application.Abstractions.ProviderTarget"/>).
/// </summary>
public sealed class GeminiAdapterOptions : UpstreamLimits
{
    /// <summary>The Gemini API's root; a target's base URL usually is this (the adapter appends "/v1beta/models/…").</summary>
    public const string DefaultBaseUrl = "https://generativelanguage.googleapis.com";

    protected override string KeyPrefix => nameof(GeminiAdapterOptions) + ".";
}
