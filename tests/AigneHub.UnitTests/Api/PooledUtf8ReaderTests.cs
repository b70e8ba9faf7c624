using System.Text;
using AigneHub.Api.Rest;

namespace AigneHub.UnitTests.Api;

public sealed class PooledUtf8ReaderTests
{
    [Fact]
    public void A_short_body_read_after_a_longer_one_reads_only_its_own_text()
    {
        using (var longer = new PooledUtf8Reader(Encoding.UTF8.GetBytes(new string('x', 500))))
        {
            Assert.Equal(500, longer.ReadToEnd().Length);
        }

        using var reader = new PooledUtf8Reader(Encoding.UTF8.GetBytes("{\"a\":\"é\"}"));

        Assert.Equal('{', reader.Peek());
        var buffer = new char[64];
        var read = reader.Read(buffer, 0, buffer.Length);
        Assert.Equal("{\"a\":\"é\"}", new string(buffer, 0, read));
        Assert.Equal(-1, reader.Read());
        Assert.Equal(-1, reader.Peek());
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_refused_not_replaced()
    {
        Assert.Throws<DecoderFallbackException>(() => new PooledUtf8Reader([(byte)'"', 0xC3, 0x28, (byte)'"']));
    }

    [Fact]
    public void An_empty_body_reads_as_the_end()
    {
        using var reader = new PooledUtf8Reader([]);

        Assert.Equal(-1, reader.Read());
        Assert.Equal(string.Empty, reader.ReadToEnd());
    }
}
