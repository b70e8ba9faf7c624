using System.Buffers.Binary;
using System.IO.Hashing;

namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>One message of an <c>application/vnd.amazon.eventstream</c> body: its string headers and its payload.</summary>
internal sealed record EventStreamMessage(IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Payload)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary><c>:message-type</c>: "event", "exception" or "error".</summary>
    public string? MessageType => Header(":message-type");

    /// <summary><c>:event-type</c> of an event, e.g. "contentBlockDelta".</summary>
    public string? EventType => Header(":event-type");

    /// <summary><c>:exception-type</c> of an exception, e.g. "throttlingException".</summary>
    public string? ExceptionType => Header(":exception-type");
}

/// <summary>
/// Reads the binary event-stream framing AWS uses for streamed answers, one message at a time, however the body
/// arrives in reads. A message is a 12-byte prelude (total length, headers length, both big-endian, and the CRC-32 of
/// those 8 bytes), the headers, the payload, and the CRC-32 of everything before it. Both checksums are verified: a
/// corrupt frame means the rest of the stream cannot be trusted either.
/// </summary>
internal sealed class EventStreamReader(Stream stream, string provider) : IUpstreamEventReader
{
    /// <summary>AWS caps one event-stream message at 16 MiB; anything larger is not a frame.</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    private const int PreludeBytes = 12;
    private const int MessageCrcBytes = 4;
    private const int MinimumMessageBytes = PreludeBytes + MessageCrcBytes;

    private byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;
    private bool _ended;

    /// <summary>The message the last successful <see cref="ReadNextAsync"/> returned.</summary>
    public EventStreamMessage? Current { get; private set; }

    /// <summary>Reads the next whole message; false when the body ended cleanly between messages.</summary>
    /// <exception cref="UpstreamException">A checksum failed, a length is impossible, or the body ended mid-message.</exception>
    public async ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(PreludeBytes, cancellationToken).ConfigureAwait(false))
        {
            if (_end == _start)
            {
                Current = null;
                return false;
            }

            throw Corrupt("the stream ended inside a message");
        }

        var prelude = _buffer.AsSpan(_start, PreludeBytes);
        var totalLength = BinaryPrimitives.ReadUInt32BigEndian(prelude);
        var headersLength = BinaryPrimitives.ReadUInt32BigEndian(prelude[4..]);
        if (BinaryPrimitives.ReadUInt32BigEndian(prelude[8..]) != Crc32.HashToUInt32(prelude[..8]))
        {
            throw Corrupt("a message prelude failed its checksum");
        }

        if (totalLength < MinimumMessageBytes || totalLength > MaxMessageBytes || headersLength > totalLength - MinimumMessageBytes)
        {
            throw Corrupt("a message declared an impossible length");
        }

        var length = (int)totalLength;
        if (!await FillAsync(length, cancellationToken).ConfigureAwait(false))
        {
            throw Corrupt("the stream ended inside a message");
        }

        var message = _buffer.AsSpan(_start, length);
        if (BinaryPrimitives.ReadUInt32BigEndian(message[^MessageCrcBytes..]) != Crc32.HashToUInt32(message[..^MessageCrcBytes]))
        {
            throw Corrupt("a message failed its checksum");
        }

        var headers = ParseHeaders(message.Slice(PreludeBytes, (int)headersLength));
        var payload = message[(PreludeBytes + (int)headersLength)..^MessageCrcBytes].ToArray();
        _start += length;
        Current = new EventStreamMessage(headers, payload);
        return true;
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();

    /// <summary>Makes at least <paramref name="count"/> unread bytes available; false when the body ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (_ended)
            {
                return false;
            }

            if (_buffer.Length - _start < count)
            {
                // Compact, and grow when one message needs more room than the buffer has.
                var target = _buffer.Length >= count ? _buffer : new byte[Math.Max(count, _buffer.Length * 2)];
                Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
                _end -= _start;
                _start = 0;
                _buffer = target;
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
            }

            _end += read;
        }

        return true;
    }

    /// <summary>
    /// The string headers (type 7). Other value types are skipped by their length, since the hub reads only the
    /// string ones (<c>:message-type</c>, <c>:event-type</c>, <c>:content-type</c>, <c>:exception-type</c>).
    /// </summary>
    private Dictionary<string, string> ParseHeaders(ReadOnlySpan<byte> data)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (data.Length > 0)
        {
            var nameLength = data[0];
            if (nameLength == 0 || data.Length < 1 + nameLength + 1)
            {
                throw Corrupt("a message header is truncated");
            }

            var name = Encoding.UTF8.GetString(data.Slice(1, nameLength));
            var type = data[1 + nameLength];
            data = data[(1 + nameLength + 1)..];
            var valueLength = type switch
            {
                0 or 1 => 0,
                2 => 1,
                3 => 2,
                4 => 4,
                5 or 8 => 8,
                9 => 16,
                6 or 7 when data.Length >= 2 => 2 + BinaryPrimitives.ReadUInt16BigEndian(data),
                6 or 7 => -1,
                _ => throw Corrupt("a message header has an unknown value type"),
            };
            if (valueLength < 0 || data.Length < valueLength)
            {
                throw Corrupt("a message header is truncated");
            }

            if (type == 7)
            {
                headers[name] = Encoding.UTF8.GetString(data[2..valueLength]);
            }

            data = data[valueLength..];
        }

        return headers;
    }

    private UpstreamException Corrupt(string what) =>
        new(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider's event stream is corrupt: {what}.");
}
