using System.IO.Pipelines;

namespace AigneHub.Infrastructure.Providers.ServerSentEvents;

/// <summary>
/// Reads a <c>text/event-stream</c> body as the WHATWG HTML standard defines it ("Parsing an event stream"): lines end
/// with CRLF, LF or CR; a blank line dispatches the event; <c>data:</c> lines are joined with '\n'; lines starting with
/// ':' are comments; one space after the colon is dropped; a leading UTF-8 BOM is skipped; an event left without its
/// blank line at the end of the stream is discarded. <c>id</c> and <c>retry</c> are ignored: the hub never reconnects.
/// </summary>
/// <remarks>
/// Bytes come from a <see cref="PipeReader"/> over pooled buffers and each event's data is gathered in one reusable
/// buffer, so reading allocates nothing per event beyond an event type name that differs from the previous one.
/// Not thread-safe; after an exception (cancellation included) the reader should be disposed, not reused.
/// </remarks>
internal sealed class ServerSentEventReader : IUpstreamEventReader
{
    /// <summary>Largest event (data plus the line being read) accepted before the stream is deemed broken.</summary>
    public const int DefaultMaxEventBytes = 8 * 1024 * 1024;

    private const int InitialDataCapacity = 4096;

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> LineBreaks => "\r\n"u8;

    private readonly PipeReader _pipe;
    private readonly int _maxEventBytes;

    private byte[] _data;
    private int _dataLength;
    private bool _hasData;
    private string? _eventType;
    private byte[]? _scratch;

    // Reused so that a stream repeating one event type (Anthropic's content_block_delta) decodes the name once.
    private byte[]? _lastEventTypeBytes;
    private string? _lastEventType;

    private bool _atStreamStart = true;
    private bool _skipLineFeed;
    private long _scannedWithoutLineBreak;
    private bool _dispatched;
    private bool _completed;
    private bool _disposed;

    public ServerSentEventReader(Stream stream, int maxEventBytes = DefaultMaxEventBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventBytes, 16);
        _pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        _maxEventBytes = maxEventBytes;
        _data = ArrayPool<byte>.Shared.Rent(InitialDataCapacity);
    }

    /// <summary>The event the last successful <see cref="ReadNextAsync"/> returned.</summary>
    public ServerSentEvent Current { get; private set; }

    /// <summary>Reads up to the next dispatched event; false at the end of the stream.</summary>
    /// <exception cref="InvalidDataException">An event is larger than the configured limit.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return false;
        }

        if (_dispatched)
        {
            // The previous event's data has been handed out until now; the next event starts empty.
            _dispatched = false;
            _dataLength = 0;
            Current = default;
        }

        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = Parse(buffer, result.IsCompleted, out var dispatched);

            // After a dispatch the rest is unexamined, so the next read returns at once with any event already here;
            // otherwise everything was examined and the next read waits for more bytes.
            _pipe.AdvanceTo(consumed, dispatched ? consumed : buffer.End);
            if (dispatched)
            {
                return true;
            }

            if (result.IsCompleted)
            {
                _completed = true;
                return false;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _pipe.CompleteAsync().ConfigureAwait(false);
        ArrayPool<byte>.Shared.Return(_data);
        _data = [];
        if (_scratch is not null)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = null;
        }
    }

    /// <summary>Consumes whole lines until one dispatches an event or the buffer holds no further complete line.</summary>
    private SequencePosition Parse(ReadOnlySequence<byte> buffer, bool isCompleted, out bool dispatched)
    {
        dispatched = false;
        var reader = new SequenceReader<byte>(buffer);
        while (!dispatched)
        {
            if (_skipLineFeed)
            {
                // The previous read ended on a CR: a LF that opens this read belongs to the same line break.
                if (!reader.TryPeek(out var next))
                {
                    break;
                }

                if (next == (byte)'\n')
                {
                    reader.Advance(1);
                }

                _skipLineFeed = false;
            }

            if (_atStreamStart && !TrySkipByteOrderMark(ref reader, isCompleted))
            {
                break;
            }

            if (!TryReadLine(ref reader, out var line))
            {
                break;
            }

            dispatched = ProcessLine(line);
        }

        return reader.Position;
    }

    /// <returns>False when too few bytes have arrived to tell whether the stream starts with a BOM.</returns>
    private bool TrySkipByteOrderMark(ref SequenceReader<byte> reader, bool isCompleted)
    {
        Span<byte> head = stackalloc byte[3];
        var available = (int)Math.Min(reader.Remaining, head.Length);
        reader.TryCopyTo(head[..available]);
        if (available < head.Length && !isCompleted && ByteOrderMark.StartsWith(head[..available]))
        {
            return false;
        }

        if (available == head.Length && head.SequenceEqual(ByteOrderMark))
        {
            reader.Advance(head.Length);
        }

        _atStreamStart = false;
        return true;
    }

    private bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        // Bytes already searched on an earlier read are not searched again, so a long line costs linear time.
        var unread = reader.UnreadSequence;
        var search = new SequenceReader<byte>(unread.Slice(_scannedWithoutLineBreak));
        if (!search.TryAdvanceToAny(LineBreaks, advancePastDelimiter: false))
        {
            _scannedWithoutLineBreak = unread.Length;
            if (_scannedWithoutLineBreak + _dataLength > _maxEventBytes)
            {
                throw new InvalidDataException($"A server-sent event exceeded {_maxEventBytes} bytes.");
            }

            line = default;
            return false;
        }

        var length = _scannedWithoutLineBreak + search.Consumed;
        _scannedWithoutLineBreak = 0;
        line = unread.Slice(0, length);
        reader.Advance(length);

        reader.TryRead(out var lineBreak);
        if (lineBreak == (byte)'\r')
        {
            if (!reader.TryPeek(out var next))
            {
                _skipLineFeed = true;
            }
            else if (next == (byte)'\n')
            {
                reader.Advance(1);
            }
        }

        return true;
    }

    /// <returns>True when the line was blank and completed an event.</returns>
    private bool ProcessLine(ReadOnlySequence<byte> sequence)
    {
        var line = AsSpan(sequence);
        if (line.IsEmpty)
        {
            return Dispatch();
        }

        if (line[0] == (byte)':')
        {
            return false;
        }

        ReadOnlySpan<byte> field;
        ReadOnlySpan<byte> value;
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            field = line;
            value = default;
        }
        else
        {
            field = line[..colon];
            value = line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }
        }

        if (field.SequenceEqual("data"u8))
        {
            AppendData(value);
        }
        else if (field.SequenceEqual("event"u8))
        {
            _eventType = DecodeEventType(value);
        }

        return false;
    }

    private bool Dispatch()
    {
        if (!_hasData)
        {
            // A blank line without data only resets the event type.
            _eventType = null;
            return false;
        }

        Current = new ServerSentEvent(_eventType, _data.AsMemory(0, _dataLength));
        _eventType = null;
        _hasData = false;
        _dispatched = true;
        return true;
    }

    private void AppendData(ReadOnlySpan<byte> value)
    {
        var needed = _dataLength + (_hasData ? 1 : 0) + value.Length;
        if (needed > _maxEventBytes)
        {
            throw new InvalidDataException($"A server-sent event exceeded {_maxEventBytes} bytes.");
        }

        if (needed > _data.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _data.Length * 2));
            _data.AsSpan(0, _dataLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_data);
            _data = larger;
        }

        if (_hasData)
        {
            _data[_dataLength++] = (byte)'\n';
        }

        value.CopyTo(_data.AsSpan(_dataLength));
        _dataLength += value.Length;
        _hasData = true;
    }

    private string? DecodeEventType(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return null;
        }

        if (_lastEventTypeBytes is not null && value.SequenceEqual(_lastEventTypeBytes))
        {
            return _lastEventType;
        }

        _lastEventTypeBytes = value.ToArray();
        _lastEventType = Encoding.UTF8.GetString(value);
        return _lastEventType;
    }

    /// <summary>A line as one span; a line that straddles two pooled segments is copied into a reused buffer.</summary>
    private ReadOnlySpan<byte> AsSpan(ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            return line.FirstSpan;
        }

        var length = (int)line.Length;
        if (_scratch is null || _scratch.Length < length)
        {
            if (_scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = ArrayPool<byte>.Shared.Rent(length);
        }

        line.CopyTo(_scratch);
        return _scratch.AsSpan(0, length);
    }
}
