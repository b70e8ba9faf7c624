namespace AigneHub.Api.Rest;

/// <summary>Passes writes through until the first write of an error response, which it captures instead.</summary>
internal sealed class ErrorCapturingStream(Stream inner, HttpResponse response) : Stream
{
    private MemoryStream? _captured;
    private bool _decided;

    public ReadOnlyMemory<byte> CapturedError => _captured is null ? ReadOnlyMemory<byte>.Empty : _captured.GetBuffer().AsMemory(0, (int)_captured.Length);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    private Stream Target
    {
        get
        {
            if (!_decided)
            {
                _decided = true;
                if (response.StatusCode >= 400)
                {
                    _captured = new MemoryStream();
                }
            }

            return _captured ?? inner;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Target.Write(buffer, offset, count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Target.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Target.WriteAsync(buffer, cancellationToken);

    // Flushing an undecided response would send its headers before we know whether it is an error.
    public override void Flush()
    {
        if (_decided && _captured is null)
        {
            inner.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _decided && _captured is null ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override ValueTask DisposeAsync()
    {
        _captured?.Dispose();
        return ValueTask.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _captured?.Dispose();
        }
    }
}
