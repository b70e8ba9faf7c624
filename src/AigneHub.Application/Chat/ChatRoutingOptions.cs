using System.ComponentModel.DataAnnotations;

namespace AigneHub.Application.Chat;

/// <summary>Limits on one model call (chat, embeddings, images) across all of its attempts (credentials, providers, fallback models).</summary>
public sealed class ChatRoutingOptions
{
    public const string Section = "Providers:Routing";

    /// <summary>
    /// How long one call may take over every attempt together: the whole answer for a unary call, the first streamed
    /// update for a stream (after that the stream runs as long as it produces). Each attempt also has its adapter's own
    /// timeout; when this deadline passes first, the call fails with a timeout (504) instead of trying further.
    /// </summary>
    [Range(1, 3600)]
    public int DeadlineSeconds { get; set; } = 300;
}
