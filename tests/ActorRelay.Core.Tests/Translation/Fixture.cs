using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;

namespace ActorRelay.Core.Tests.Translation;

/// <summary>Golden fixtures under <c>Translation/Fixtures</c>, read from the source tree, and the assertions that pin translations to them.</summary>
internal static class Fixture
{
    /// <summary>The clock every translation under test reads: 2025-01-01T00:00:00Z, as <c>created</c> in the expected fixtures.</summary>
    public static readonly TimeProvider Clock = new FixedClock(DateTimeOffset.FromUnixTimeSeconds(1_735_689_600));

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(Directory(), name));

    public static JsonObject Json(string name) => JsonNode.Parse(Bytes(name))!.AsObject();

    /// <summary>The events of an SSE fixture, parsed the way the gateway parses a vendor stream.</summary>
    public static List<SseEvent> Events(string name)
    {
        var events = new List<SseEvent>();
        new SseParser().Parse(Bytes(name), events);
        return events;
    }

    /// <summary>Runs every event through the translator, then completes it.</summary>
    public static List<SseEvent> Translate(IStreamTranslator translator, IEnumerable<SseEvent> input)
    {
        var output = new List<SseEvent>();
        foreach (var sse in input)
        {
            translator.Translate(sse, output);
        }

        translator.Complete(output);
        return output;
    }

    public static void AssertJson(string expectedFixture, byte[] actual) => AssertJson(Json(expectedFixture), actual);

    public static void AssertJson(JsonNode expected, byte[] actual)
    {
        var actualNode = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(expected, actualNode), $"Expected:\n{expected.ToJsonString()}\nActual:\n{Encoding.UTF8.GetString(actual)}");
    }

    /// <summary>Same events in the same order: equal <c>event:</c> names and semantically equal JSON data.</summary>
    public static void AssertEvents(string expectedFixture, IReadOnlyList<SseEvent> actual)
    {
        var expected = Events(expectedFixture);
        var because = $"Actual stream:\n{Wire(actual)}";
        Assert.True(expected.Count == actual.Count, $"Expected {expected.Count} events, got {actual.Count}. {because}");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].EventType == actual[i].EventType, $"Event {i}: expected type '{expected[i].EventType}', got '{actual[i].EventType}'. {because}");
            var equal = expected[i].IsDone || actual[i].IsDone
                ? expected[i].IsDone == actual[i].IsDone
                : JsonNode.DeepEquals(JsonNode.Parse(expected[i].Data.Span), JsonNode.Parse(actual[i].Data.Span));
            Assert.True(equal, $"Event {i}: expected data {Encoding.UTF8.GetString(expected[i].Data.Span)}, got {Encoding.UTF8.GetString(actual[i].Data.Span)}. {because}");
        }
    }

    public static string Wire(IEnumerable<SseEvent> events) => string.Concat(events.Select(e => Encoding.UTF8.GetString(e.ToWireBytes())));

    private static string Directory() => Path.Combine(AppContext.BaseDirectory, "Translation", "Fixtures");

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
