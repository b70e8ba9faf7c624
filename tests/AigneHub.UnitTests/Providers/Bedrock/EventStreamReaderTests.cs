using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.TestUpstreams;
using AigneHub.UnitTests.Providers.ServerSentEvents;

namespace AigneHub.UnitTests.Providers.Bedrock;

public sealed class EventStreamReaderTests
{
    private static readonly byte[] First = FakeBedrockUpstream.EventFrame("contentBlockDelta", """{"delta":{"text":"Hel"}}""");
    private static readonly byte[] Second = FakeBedrockUpstream.EventFrame("messageStop", """{"stopReason":"end_turn"}""");

    [Fact]
    public async Task A_message_yields_its_string_headers_and_payload()
    {
        var messages = await ReadAllAsync(new MemoryStream(First));

        var message = Assert.Single(messages);
        Assert.Equal("contentBlockDelta", message.EventType);
        Assert.Equal("event", message.MessageType);
        Assert.Equal("application/json", message.Header(":content-type"));
        Assert.Equal("""{"delta":{"text":"Hel"}}""", Encoding.UTF8.GetString(message.Payload.Span));
    }

    [Fact]
    public async Task Messages_split_across_one_byte_reads_are_reassembled()
    {
        var messages = await ReadAllAsync(ChunkedReadStream.Split([.. First, .. Second], chunkSize: 1));

        Assert.Equal(["contentBlockDelta", "messageStop"], messages.Select(m => m.EventType));
    }

    [Fact]
    public async Task Two_messages_in_one_read_are_both_yielded()
    {
        var messages = await ReadAllAsync(new ChunkedReadStream([[.. First, .. Second]]));

        Assert.Equal(["contentBlockDelta", "messageStop"], messages.Select(m => m.EventType));
    }

    [Fact]
    public async Task A_message_larger_than_the_initial_buffer_is_read_whole()
    {
        var text = new string('x', 50_000);
        var frame = FakeBedrockUpstream.EventFrame("contentBlockDelta", $$$"""{"delta":{"text":"{{{text}}}"}}""");

        var messages = await ReadAllAsync(ChunkedReadStream.Split(frame, chunkSize: 1000));

        Assert.Contains(text, Encoding.UTF8.GetString(Assert.Single(messages).Payload.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headers_of_other_value_types_are_skipped_by_their_length()
    {
        var headers = new List<byte>();
        AddHeader(headers, "t", 0, []);
        AddHeader(headers, "f", 1, []);
        AddHeader(headers, "b", 2, [7]);
        AddHeader(headers, "s", 3, [0, 7]);
        AddHeader(headers, "i", 4, [0, 0, 0, 7]);
        AddHeader(headers, "l", 5, new byte[8]);
        AddHeader(headers, "bytes", 6, [0, 3, 1, 2, 3]);
        AddHeader(headers, "ts", 8, new byte[8]);
        AddHeader(headers, "uuid", 9, new byte[16]);
        AddHeader(headers, ":event-type", 7, [0, 8, .. "metadata"u8.ToArray()]);

        var message = Assert.Single(await ReadAllAsync(new MemoryStream(RawFrame([.. headers], "{}"u8.ToArray()))));

        Assert.Equal("metadata", message.EventType);
        Assert.Single(message.Headers);
    }

    [Fact]
    public async Task A_corrupt_prelude_checksum_fails_as_upstream_unavailable()
    {
        var frame = First.ToArray();
        frame[9] ^= 0xFF;

        var error = await Assert.ThrowsAsync<UpstreamException>(() => ReadAllAsync(new MemoryStream(frame)));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Contains("prelude", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_message_checksum_fails_as_upstream_unavailable()
    {
        var frame = First.ToArray();
        frame[^6] ^= 0x01;

        var error = await Assert.ThrowsAsync<UpstreamException>(() => ReadAllAsync(new MemoryStream([.. Second, .. frame])));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Contains("message failed its checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_ends_inside_a_message_fails()
    {
        var error = await Assert.ThrowsAsync<UpstreamException>(() => ReadAllAsync(new MemoryStream(First[..^3])));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
    }

    [Fact]
    public async Task An_impossible_length_fails_before_any_allocation()
    {
        var prelude = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(prelude, uint.MaxValue);
        BinaryPrimitives.WriteUInt32BigEndian(prelude.AsSpan(8), Crc32.HashToUInt32(prelude.AsSpan(0, 8)));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => ReadAllAsync(new MemoryStream(prelude)));

        Assert.Contains("impossible length", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_body_yields_no_message()
    {
        Assert.Empty(await ReadAllAsync(new MemoryStream()));
    }

    private static async Task<List<EventStreamMessage>> ReadAllAsync(Stream stream)
    {
        await using var reader = new EventStreamReader(stream, "bedrock");
        var messages = new List<EventStreamMessage>();
        while (await reader.ReadNextAsync(CancellationToken.None))
        {
            messages.Add(reader.Current!);
        }

        return messages;
    }

    private static void AddHeader(List<byte> headers, string name, byte type, byte[] value)
    {
        headers.Add((byte)name.Length);
        headers.AddRange(Encoding.ASCII.GetBytes(name));
        headers.Add(type);
        headers.AddRange(value);
    }

    private static byte[] RawFrame(byte[] headers, byte[] payload)
    {
        var total = 12 + headers.Length + payload.Length + 4;
        var frame = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32.HashToUInt32(frame.AsSpan(0, 8)));
        headers.CopyTo(frame, 12);
        payload.CopyTo(frame, 12 + headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), Crc32.HashToUInt32(frame.AsSpan(0, total - 4)));
        return frame;
    }
}
