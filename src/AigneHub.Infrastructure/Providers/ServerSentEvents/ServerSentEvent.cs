namespace AigneHub.Infrastructure.Providers.ServerSentEvents;

/// <summary>
/// One dispatched server-sent event. <see cref="Data"/> is the UTF-8 payload (data lines joined by '\n') and is only
/// valid until the next read from the <see cref="ServerSentEventReader"/> that produced it.
/// </summary>
/// <param name="EventType">The <c>event:</c> field, or null for the default ("message").</param>
internal readonly record struct ServerSentEvent(string? EventType, ReadOnlyMemory<byte> Data);
