namespace AigneHub.Domain.Usage;

/// <summary>
/// Call ids: UUIDv7s whose 12 bits after the millisecond timestamp hold the sub-millisecond fraction of the start time
/// (RFC 9562, section 6.2, method 3), so ids sort like start times to about a quarter of a microsecond, not just to the
/// millisecond. The call history pages on this order.
/// </summary>
public static class CallIds
{
    public static Guid New(DateTimeOffset startedAt)
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.CreateVersion7(startedAt).TryWriteBytes(bytes, bigEndian: true, out _);
        var fraction = (int)(startedAt.UtcTicks % TimeSpan.TicksPerMillisecond * 4096 / TimeSpan.TicksPerMillisecond);
        bytes[6] = (byte)(0x70 | (fraction >> 8));
        bytes[7] = (byte)fraction;
        return new Guid(bytes, bigEndian: true);
    }
}
