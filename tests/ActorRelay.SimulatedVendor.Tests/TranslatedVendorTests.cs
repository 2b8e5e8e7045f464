using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;

namespace ActorRelay.SimulatedVendor.Tests;

/// <summary>
/// Each vendor adapter of the translation layer against the simulator over real HTTP: the OpenAI request goes out in the
/// vendor's protocol, the answer (whole or streamed) comes back in OpenAI's shape, tool calls and usage included.
/// </summary>
public sealed class TranslatedVendorTests
{
    public static TheoryData<VendorProtocolKind> Kinds => [VendorProtocolKind.OpenAI, VendorProtocolKind.Anthropic, VendorProtocolKind.Gemini];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ToolTurnThenToolResultTurn_NonStream_CallsToolThenAnswersAboutTheResult(VendorProtocolKind kind)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 6 });
        var protocol = VendorProtocols.For(kind);
        var request = OpenAiRequest("weather in Oslo?");

        var first = await CompleteAsync(vendor, protocol, request);

        var choice = first["choices"]![0]!;
        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        var call = Assert.Single(choice["message"]!["tool_calls"]!.AsArray())!;
        Assert.Equal("get_weather", (string?)call["function"]!["name"]);
        Assert.Equal(VendorHarness.WeatherArguments, (string?)call["function"]!["arguments"]);
        Assert.Equal(ToolCallTests.Fragments(), (int)first["usage"]!["completion_tokens"]!);

        var messages = request["messages"]!.AsArray();
        messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(call.DeepClone()) });
        messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = (string?)call["id"], ["content"] = "minus 3 degrees" });
        var second = await CompleteAsync(vendor, protocol, request);

        Assert.Equal("stop", (string?)second["choices"]![0]!["finish_reason"]);
        Assert.Equal("Tool said: minus 3 degrees lorem ", (string?)second["choices"]![0]!["message"]!["content"]);
        Assert.Equal(6, (int)second["usage"]!["completion_tokens"]!);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ToolTurn_Stream_ReassemblesToolCallAndReportsUsage(VendorProtocolKind kind)
    {
        await using var vendor = await VendorHarness.StartAsync();
        var protocol = VendorProtocols.For(kind);

        var (chunks, translator) = await StreamAsync(vendor, protocol, OpenAiRequest("stream the call"));

        Assert.True(translator.InputCompleted);
        Assert.True(chunks[^1].IsDone);
        var parsed = chunks.SkipLast(1).Select(c => JsonNode.Parse(c.Data.Span)!).ToList();
        var calls = parsed.Where(c => c["choices"]!.AsArray().Count > 0)
            .Select(c => c["choices"]![0]!["delta"]!["tool_calls"]?[0])
            .OfType<JsonNode>()
            .ToList();
        Assert.Equal("get_weather", (string?)calls[0]["function"]!["name"]);
        Assert.False(string.IsNullOrEmpty((string?)calls[0]["id"]));
        Assert.Equal(VendorHarness.WeatherArguments, string.Concat(calls.Select(c => (string?)c["function"]!["arguments"])));
        Assert.Equal("tool_calls", (string?)parsed[^2]["choices"]![0]!["finish_reason"]);
        Assert.Equal(ToolCallTests.Fragments(), (int)parsed[^1]["usage"]!["completion_tokens"]!);
        Assert.Equal(ToolCallTests.Fragments(), translator.Usage!.Value.OutputTokens);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task TextTurn_Stream_DeltasConcatenateToTheEchoWithVendorUsage(VendorProtocolKind kind)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 5 });
        var protocol = VendorProtocols.For(kind);
        var request = OpenAiRequest("plain words");
        request.Remove("tools");

        var (chunks, translator) = await StreamAsync(vendor, protocol, request);

        var parsed = chunks.SkipLast(1).Select(c => JsonNode.Parse(c.Data.Span)!).ToList();
        var text = string.Concat(parsed.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => (string?)c["choices"]![0]!["delta"]!["content"]));
        Assert.Equal("You said: plain words lorem ", text);
        Assert.Equal("assistant", (string?)parsed[0]["choices"]![0]!["delta"]!["role"]);
        Assert.Equal(new Core.Protocol.TokenUsage(1 + 2, 5, 0, false), translator.Usage);
        Assert.True(vendor.Monitor.Completed("plain words"));
    }

    [Theory]
    [InlineData(VendorProtocolKind.OpenAI, "rate_limit_exceeded")]
    [InlineData(VendorProtocolKind.Anthropic, "rate_limit_error")]
    [InlineData(VendorProtocolKind.Gemini, "RESOURCE_EXHAUSTED")]
    public async Task InjectedRateLimit_TranslateError_GivesOpenAiEnvelope(VendorProtocolKind kind, string code)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { FailStatus = 429 });
        var protocol = VendorProtocols.For(kind);
        var call = protocol.BuildRequest(OpenAiRequest("fail"), ModelFor(kind), stream: false);

        using var response = await SendAsync(vendor, kind, call, HttpCompletionOption.ResponseContentRead);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var error = JsonNode.Parse(protocol.TranslateError(429, await response.Content.ReadAsByteArrayAsync(VendorHarness.Cancellation)))!["error"]!;
        Assert.Equal(code, (string?)error["code"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
    }

    private static JsonObject OpenAiRequest(string userMessage) => new()
    {
        ["model"] = "alias",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userMessage }),
        ["tools"] = new JsonArray(new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "get_weather", ["description"] = "Weather", ["parameters"] = VendorHarness.WeatherSchema() },
        }),
    };

    private static string ModelFor(VendorProtocolKind kind) => kind switch
    {
        VendorProtocolKind.Anthropic => "claude-sim",
        VendorProtocolKind.Gemini => "gemini-sim",
        _ => "gpt-sim",
    };

    private static async Task<JsonObject> CompleteAsync(VendorHarness vendor, IVendorProtocol protocol, JsonObject request)
    {
        var call = protocol.BuildRequest(request, ModelFor(protocol.Kind), stream: false);
        using var response = await SendAsync(vendor, protocol.Kind, call, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync(VendorHarness.Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        return JsonNode.Parse(protocol.TranslateResponse(body, "alias"))!.AsObject();
    }

    private static async Task<(List<SseEvent> Chunks, IStreamTranslator Translator)> StreamAsync(VendorHarness vendor, IVendorProtocol protocol, JsonObject request)
    {
        var call = protocol.BuildRequest(request, ModelFor(protocol.Kind), stream: true);
        using var response = await SendAsync(vendor, protocol.Kind, call, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var input = new List<SseEvent>();
        new SseParser().Parse(await response.Content.ReadAsByteArrayAsync(VendorHarness.Cancellation), input);
        var translator = protocol.CreateStreamTranslator("alias");
        var output = new List<SseEvent>();
        foreach (var sse in input)
        {
            translator.Translate(sse, output);
        }

        translator.Complete(output);
        return (output, translator);
    }

    private static Task<HttpResponseMessage> SendAsync(VendorHarness vendor, VendorProtocolKind kind, VendorRequest call, HttpCompletionOption completion)
    {
        var baseUrl = new Uri(vendor.Server.BaseAddress, kind == VendorProtocolKind.Gemini ? "v1beta/" : "v1/");
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, call.RelativePath)) { Content = new ByteArrayContent(call.Body) };
        message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in call.Headers)
        {
            message.Headers.Add(name, value);
        }

        return vendor.Client.SendAsync(message, completion, VendorHarness.Cancellation);
    }
}
