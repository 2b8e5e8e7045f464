using System.Text.Json.Nodes;

namespace ActorRelay.Gateway.Tests.Translation;

/// <summary>Reads a server-sent-event body as (event name, JSON data) pairs, the way Anthropic's and the Responses API's SDKs do.</summary>
internal static class Sse
{
    public static async Task<List<(string? Event, JsonNode Data)>> ReadTypedEventsAsync(HttpResponseMessage response)
    {
        var events = new List<(string?, JsonNode)>();
        string? name = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name, JsonNode.Parse(line["data: ".Length..])!));
                name = null;
            }
        }

        return events;
    }
}
