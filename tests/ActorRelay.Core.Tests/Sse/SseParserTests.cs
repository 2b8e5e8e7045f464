using System.Text;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Tests.Sse;

public sealed class SseParserTests
{
    private static List<SseEvent> ParseInChunks(string wire, int chunkSize)
    {
        var parser = new SseParser();
        var events = new List<SseEvent>();
        var bytes = Encoding.UTF8.GetBytes(wire);
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            parser.Parse(bytes.AsMemory(offset, Math.Min(chunkSize, bytes.Length - offset)), events);
        }

        return events;
    }

    private static string Data(SseEvent sse) => Encoding.UTF8.GetString(sse.Data.Span);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Parse_OpenAiStreamSplitAnywhere_YieldsSameEvents(int chunkSize)
    {
        const string wire = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n";

        var events = ParseInChunks(wire, chunkSize);

        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "[DONE]"], events.Select(Data));
        Assert.True(events[2].IsDone);
        Assert.False(events[0].IsDone);
    }

    [Fact]
    public void Parse_IntoOneReusedBuffer_EventsReadBeforeTheNextChunkAreWhole()
    {
        // As a relay reads: every chunk into the same buffer, each chunk's events used before the next read overwrites
        // it. Events whole in one chunk may point into the buffer; an event split across reads must not. Every buffer
        // size splits the stream somewhere else, so some read ends between an event's data line and its blank line.
        const string wire = "event: a\ndata: {\"first\":1}\n\ndata: line1\ndata: line2\n\r\n: comment\ndata: {\"third\":[1,2,3]}\n\ndata: [DONE]\n\n";
        var bytes = Encoding.UTF8.GetBytes(wire);
        for (var bufferSize = 1; bufferSize <= bytes.Length; bufferSize++)
        {
            Assert.Equal(["a|{\"first\":1}", "|line1\nline2", "|{\"third\":[1,2,3]}", "|[DONE]"], ParseThroughOneBuffer(bytes, bufferSize));
        }
    }

    private static List<string> ParseThroughOneBuffer(byte[] bytes, int bufferSize)
    {
        var buffer = new byte[bufferSize];
        var parser = new SseParser();
        var events = new List<SseEvent>();
        var seen = new List<string>();
        for (var offset = 0; offset < bytes.Length; offset += bufferSize)
        {
            var length = Math.Min(bufferSize, bytes.Length - offset);
            Array.Fill(buffer, (byte)'#');
            bytes.AsSpan(offset, length).CopyTo(buffer);
            events.Clear();
            parser.Parse(buffer.AsMemory(0, length), events);
            seen.AddRange(events.Select(sse => $"{sse.EventType}|{Data(sse)}"));
        }

        return seen;
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    [InlineData("\n")]
    public void Parse_AnyLineEnding_YieldsEvent(string newline)
    {
        var wire = $"event: message_start{newline}data: x{newline}{newline}";

        var events = ParseInChunks(wire, 1);

        var single = Assert.Single(events);
        Assert.Equal("message_start", single.EventType);
        Assert.Equal("x", Data(single));
    }

    [Fact]
    public void Parse_MultiLineDataCommentsAndBom_JoinsDataWithNewlines()
    {
        const string wire = "\uFEFF: keep-alive\ndata: line1\ndata:line2\nid: 7\nretry: 10\n\n";

        var events = ParseInChunks(wire, 3);

        Assert.Equal("line1\nline2", Data(Assert.Single(events)));
    }

    [Fact]
    public void Parse_EventWithoutTerminatingBlankLine_IsNotYielded()
    {
        var events = ParseInChunks("data: partial\n", 4);

        Assert.Empty(events);
    }

    [Fact]
    public void Parse_EventLargerThanLimit_Throws()
    {
        var parser = new SseParser { MaxEventBytes = 16 };

        Assert.Throws<InvalidDataException>(() => parser.Parse(Encoding.UTF8.GetBytes("data: " + new string('x', 40) + "\n\n"), []));
    }

    [Fact]
    public void ToWireBytes_RoundTripsThroughParser()
    {
        var original = new SseEvent("content_block_delta", Encoding.UTF8.GetBytes("first\nsecond"));

        var wire = original.ToWireBytes();
        var events = new List<SseEvent>();
        new SseParser().Parse(wire, events);

        Assert.Equal("event: content_block_delta\ndata: first\ndata: second\n\n", Encoding.UTF8.GetString(wire));
        var parsed = Assert.Single(events);
        Assert.Equal(original.EventType, parsed.EventType);
        Assert.Equal("first\nsecond", Data(parsed));
    }

    [Fact]
    public void ToWireBytes_DataOnly_MatchesOpenAiFraming()
    {
        var wire = new SseEvent(null, "{\"x\":1}"u8.ToArray()).ToWireBytes();

        Assert.Equal("data: {\"x\":1}\n\n", Encoding.UTF8.GetString(wire));
    }

    [Fact]
    public void WriteWire_IntoLargerSpan_WritesExactlyWireLengthBytes()
    {
        var sse = new SseEvent("content_block_delta", Encoding.UTF8.GetBytes("first\nsecond"));
        var destination = new byte[sse.WireLength + 8];
        destination.AsSpan().Fill((byte)'#');

        var written = sse.WriteWire(destination);

        Assert.Equal(sse.WireLength, written);
        Assert.Equal("event: content_block_delta\ndata: first\ndata: second\n\n########", Encoding.UTF8.GetString(destination));
    }

    [Fact]
    public void Done_IsTheTerminalDataOnlyEvent()
    {
        Assert.True(SseEvent.Done.IsDone);
        Assert.Equal("data: [DONE]\n\n", Encoding.UTF8.GetString(SseEvent.Done.ToWireBytes()));
    }
}
