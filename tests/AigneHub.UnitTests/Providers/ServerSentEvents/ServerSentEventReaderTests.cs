using System.Text;
using AigneHub.Infrastructure.Providers.ServerSentEvents;

namespace AigneHub.UnitTests.Providers.ServerSentEvents;

public sealed class ServerSentEventReaderTests
{
    [Fact]
    public async Task Events_separated_by_blank_lines_are_read_in_order()
    {
        var events = await ReadAllAsync("data: one\n\ndata: two\n\n");

        Assert.Equal([(null, "one"), (null, "two")], events);
    }

    [Fact]
    public async Task Crlf_line_endings_are_read_like_lf()
    {
        var events = await ReadAllAsync("data: one\r\n\r\nevent: ping\r\ndata: two\r\n\r\n");

        Assert.Equal([(null, "one"), ("ping", "two")], events);
    }

    [Fact]
    public async Task Lone_cr_line_endings_are_read_like_lf()
    {
        var events = await ReadAllAsync("data: one\r\rdata: two\r\r");

        Assert.Equal([(null, "one"), (null, "two")], events);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(64)]
    public async Task Events_split_across_reads_are_reassembled(int bytesPerRead)
    {
        const string body =
            "\uFEFF: comment\r\n" +
            "event: delta\r\n" +
            "data: {\"text\":\"héllo, 你好 🌍\"}\r\n" +
            "\r\n" +
            "data: line one\n" +
            "data: line two\n" +
            "\n" +
            "data: [DONE]\r\r";

        var events = await ReadAllAsync(body, bytesPerRead);

        Assert.Equal([("delta", "{\"text\":\"héllo, 你好 🌍\"}"), (null, "line one\nline two"), (null, "[DONE]")], events);
    }

    [Fact]
    public async Task A_crlf_split_between_two_reads_is_one_line_break()
    {
        await using var reader = new ServerSentEventReader(ChunkedReadStream.Pieces("data: one\r", "\n\r", "\ndata: two\r", "\n", "\r\n"));

        var events = await ReadAllAsync(reader);

        Assert.Equal([(null, "one"), (null, "two")], events);
    }

    [Fact]
    public async Task Events_that_arrived_together_are_read_without_waiting_for_more_bytes()
    {
        await using var reader = new ServerSentEventReader(ChunkedReadStream.Split("data: one\n\ndata: two\n\ndata: three\n\n", 4096, hangAtEnd: true));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        var events = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await reader.ReadNextAsync(cancellation.Token));
            events.Add(Encoding.UTF8.GetString(reader.Current.Data.Span));
        }

        Assert.Equal(["one", "two", "three"], events);
    }

    [Fact]
    public async Task Comments_and_other_fields_are_ignored()
    {
        var events = await ReadAllAsync(": keep-alive\n\nid: 7\nretry: 1000\nfoo: bar\ndata: payload\n: inside\n\n");

        Assert.Equal([(null, "payload")], events);
    }

    [Fact]
    public async Task Multi_line_data_is_joined_with_line_feeds()
    {
        var events = await ReadAllAsync("data: {\ndata:   \"a\": 1\ndata: }\n\n");

        Assert.Equal([(null, "{\n  \"a\": 1\n}")], events);
    }

    [Fact]
    public async Task Only_one_space_after_the_colon_is_dropped()
    {
        var events = await ReadAllAsync("data:tight\n\ndata:  spaced\n\n");

        Assert.Equal([(null, "tight"), (null, " spaced")], events);
    }

    [Fact]
    public async Task A_field_name_without_colon_has_an_empty_value()
    {
        var events = await ReadAllAsync("data\n\ndata\ndata\n\n");

        Assert.Equal([(null, string.Empty), (null, "\n")], events);
    }

    [Fact]
    public async Task An_event_type_applies_only_to_its_own_event()
    {
        var events = await ReadAllAsync("event: message_start\ndata: a\n\ndata: b\n\nevent: orphan\n\ndata: c\n\n");

        Assert.Equal([("message_start", "a"), (null, "b"), (null, "c")], events);
    }

    [Fact]
    public async Task Blank_lines_without_data_dispatch_nothing()
    {
        var events = await ReadAllAsync("\n\n\r\n: ping\n\n\ndata: x\n\n\n\n");

        Assert.Equal([(null, "x")], events);
    }

    [Fact]
    public async Task An_event_without_its_blank_line_at_the_end_is_discarded()
    {
        var events = await ReadAllAsync("data: complete\n\ndata: cut off\n");

        Assert.Equal([(null, "complete")], events);
    }

    [Fact]
    public async Task An_empty_stream_has_no_events()
    {
        Assert.Empty(await ReadAllAsync(string.Empty));
    }

    [Fact]
    public async Task A_long_line_arriving_over_many_reads_is_read_whole()
    {
        var payload = new string('x', 200_000);

        var events = await ReadAllAsync($"data: {payload}\n\ndata: next\n\n", bytesPerRead: 1000);

        Assert.Equal([(null, payload), (null, "next")], events);
    }

    [Fact]
    public async Task An_event_larger_than_the_limit_is_refused()
    {
        var body = "data: " + new string('x', 600) + "\n" + "data: " + new string('y', 600) + "\n\n";
        await using var reader = new ServerSentEventReader(ChunkedReadStream.Split(body, 64), maxEventBytes: 1000);

        await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadNextAsync());
    }

    [Fact]
    public async Task A_line_without_line_break_larger_than_the_limit_is_refused()
    {
        var body = "data: " + new string('x', 5000);
        await using var reader = new ServerSentEventReader(ChunkedReadStream.Split(body, 100, hangAtEnd: true), maxEventBytes: 1000);

        await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadNextAsync());
    }

    [Fact]
    public async Task A_repeated_event_type_is_decoded_once()
    {
        await using var reader = new ServerSentEventReader(ChunkedReadStream.Split("event: delta\ndata: 1\n\nevent: delta\ndata: 2\n\n", 4));

        Assert.True(await reader.ReadNextAsync());
        var first = reader.Current.EventType;
        Assert.True(await reader.ReadNextAsync());

        Assert.Same(first, reader.Current.EventType);
    }

    [Fact]
    public async Task Reading_is_cancelled_by_the_token()
    {
        await using var reader = new ServerSentEventReader(ChunkedReadStream.Split("data: partial", 4, hangAtEnd: true));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadNextAsync(cancellation.Token));
    }

    [Fact]
    public async Task The_stream_is_left_open_for_its_owner()
    {
        var stream = ChunkedReadStream.Split("data: x\n\n", 4);
        await using (var reader = new ServerSentEventReader(stream))
        {
            Assert.True(await reader.ReadNextAsync());
        }

        Assert.False(stream.IsDisposed);
    }

    private static async Task<List<(string? EventType, string Data)>> ReadAllAsync(string body, int bytesPerRead = 4096)
    {
        await using var reader = new ServerSentEventReader(ChunkedReadStream.Split(body, bytesPerRead));
        return await ReadAllAsync(reader);
    }

    private static async Task<List<(string? EventType, string Data)>> ReadAllAsync(ServerSentEventReader reader)
    {
        var events = new List<(string?, string)>();
        while (await reader.ReadNextAsync())
        {
            events.Add((reader.Current.EventType, Encoding.UTF8.GetString(reader.Current.Data.Span)));
        }

        return events;
    }
}
