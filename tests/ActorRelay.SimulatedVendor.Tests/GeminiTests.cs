using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

/// <summary>The Gemini protocol: <c>POST /v1beta/models/{model}:generateContent</c> and <c>:streamGenerateContent?alt=sse</c>.</summary>
public sealed class GeminiTests
{
    private const string Generate = "v1beta/models/gemini-sim:generateContent";
    private const string Stream = "v1beta/models/gemini-sim:streamGenerateContent?alt=sse";

    [Fact]
    public async Task GenerateContent_Text_ReturnsCandidateEchoingLastUserMessageWithUsage()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 5 });
        var body = Body("hello gemini");
        body["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = "Be brief" }) };

        var answer = await vendor.PostJsonAsync(Generate, body);

        var candidate = Assert.Single(answer["candidates"]!.AsArray())!;
        Assert.Equal("model", (string?)candidate["content"]!["role"]);
        Assert.Equal("You said: hello gemini lorem ", (string?)Assert.Single(candidate["content"]!["parts"]!.AsArray())!["text"]);
        Assert.Equal("STOP", (string?)candidate["finishReason"]);
        Assert.Equal("""{"promptTokenCount":6,"candidatesTokenCount":5,"totalTokenCount":11}""", answer["usageMetadata"]!.ToJsonString());
        Assert.Equal("gemini-sim", (string?)answer["modelVersion"]);
        Assert.StartsWith("sim-", (string?)answer["responseId"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateContent_MaxOutputTokens_FinishesWithMaxTokens()
    {
        await using var vendor = await VendorHarness.StartAsync();
        var body = Body("cap me now");
        body["generationConfig"] = new JsonObject { ["maxOutputTokens"] = 2 };

        var answer = await vendor.PostJsonAsync(Generate, body);

        Assert.Equal("MAX_TOKENS", (string?)answer["candidates"]![0]!["finishReason"]);
        Assert.Equal("You said: ", (string?)answer["candidates"]![0]!["content"]!["parts"]![0]!["text"]);
    }

    [Fact]
    public async Task StreamGenerateContent_Text_EmitsChunkPerTokenThenFinishChunk()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 3 });

        var events = await vendor.PostStreamAsync(Stream, Body("stream gemini"));

        Assert.Equal(3 + 1, events.Count);
        Assert.All(events, e => Assert.Null(e.Event));
        var chunks = events.Select(e => JsonNode.Parse(e.Data)!).ToList();
        Assert.Equal("You said: stream ", string.Concat(chunks.Select(c => (string?)c["candidates"]![0]!["content"]!["parts"]![0]!["text"])));
        Assert.All(chunks[..^1], c => Assert.Null(c["candidates"]![0]!["finishReason"]));
        Assert.Equal([1, 2, 3, 3], chunks.Select(c => (int)c["usageMetadata"]!["candidatesTokenCount"]!));
        Assert.Equal("STOP", (string?)chunks[^1]["candidates"]![0]!["finishReason"]);
        Assert.Single(chunks.Select(c => (string?)c["responseId"]).Distinct());
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.Completed("stream gemini"), "the stream completed");
    }

    [Fact]
    public async Task GenerateContent_FunctionsOffered_CallsFirstFunctionWithSchemaValidArgs()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var answer = await vendor.PostJsonAsync(Generate, WithTools(Body("weather in Rome?")));

        var part = Assert.Single(answer["candidates"]![0]!["content"]!["parts"]!.AsArray())!;
        Assert.Equal("get_weather", (string?)part["functionCall"]!["name"]);
        Assert.Equal(VendorHarness.WeatherArguments, part["functionCall"]!["args"]!.ToJsonString());
        Assert.Equal("STOP", (string?)answer["candidates"]![0]!["finishReason"]);
    }

    [Fact]
    public async Task StreamGenerateContent_FunctionCall_ComesWholeInTheFinishChunk()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var events = await vendor.PostStreamAsync(Stream, WithTools(Body("stream a function call")));

        var chunk = JsonNode.Parse(Assert.Single(events).Data)!;
        var candidate = chunk["candidates"]![0]!;
        Assert.Equal(VendorHarness.WeatherArguments, candidate["content"]!["parts"]![0]!["functionCall"]!["args"]!.ToJsonString());
        Assert.Equal("STOP", (string?)candidate["finishReason"]);
        Assert.Equal(ToolCallTests.Fragments(), (int)chunk["usageMetadata"]!["candidatesTokenCount"]!);
    }

    [Fact]
    public async Task GenerateContent_LastPartIsFunctionResponse_AnswersInText()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 4 });
        var body = WithTools(Body("weather in Rome?"));
        var contents = body["contents"]!.AsArray();
        contents.Add(JsonNode.Parse("""{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{}}}]}"""));
        contents.Add(JsonNode.Parse("""{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"22 degrees"}}}]}"""));

        var answer = await vendor.PostJsonAsync(Generate, body);

        Assert.Equal("Tool said: 22 degrees ", (string?)answer["candidates"]![0]!["content"]!["parts"]![0]!["text"]);
    }

    [Fact]
    public async Task GenerateContent_FunctionCallingModeNone_AnswersInText()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 2 });
        var body = WithTools(Body("just talk"));
        body["toolConfig"] = JsonNode.Parse("""{"functionCallingConfig":{"mode":"NONE"}}""");

        var answer = await vendor.PostJsonAsync(Generate, body);

        Assert.Equal("You said: ", (string?)answer["candidates"]![0]!["content"]!["parts"]![0]!["text"]);
    }

    [Theory]
    [InlineData("""{}""", "contents")]
    [InlineData("""{"contents":[{"role":"user","parts":[]}]}""", "parts")]
    [InlineData("""{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}""", "role")]
    [InlineData("""{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"maxOutputTokens":0}}""", "max_output_tokens")]
    [InlineData("""[1]""", "JSON object")]
    public async Task GenerateContent_InvalidBody_Returns400WithGoogleError(string body, string mentioned)
    {
        await using var vendor = await VendorHarness.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, Generate) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        using var response = await vendor.Client.SendAsync(request, VendorHarness.Cancellation);

        var message = await GoogleErrorAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT");
        Assert.Contains(mentioned, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamGenerateContent_WithoutAltSse_Returns400()
    {
        await using var vendor = await VendorHarness.StartAsync();

        using var response = await vendor.PostAsync("v1beta/models/gemini-sim:streamGenerateContent", Body("json array please"));

        await GoogleErrorAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT");
    }

    [Theory]
    [InlineData(429, "RESOURCE_EXHAUSTED")]
    [InlineData(500, "INTERNAL")]
    [InlineData(503, "UNAVAILABLE")]
    public async Task GenerateContent_InjectedFailure_ReturnsGoogleError(int status, string code)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { FailStatus = status });

        using var response = await vendor.PostAsync(Stream, Body("fail"));

        await GoogleErrorAsync(response, (HttpStatusCode)status, code);
    }

    [Theory]
    [InlineData(null, null, HttpStatusCode.Forbidden, "PERMISSION_DENIED")]
    [InlineData("x-goog-api-key", "wrong", HttpStatusCode.BadRequest, "INVALID_ARGUMENT")]
    public async Task GenerateContent_ApiKeyMissingOrWrong_ReturnsGoogleAuthError(string? header, string? key, HttpStatusCode status, string code)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ApiKey = "AIza-sim" });

        using var response = await vendor.PostAsync(Generate, Body("let me in"), header is null ? null : VendorHarness.Header(header, key!));

        await GoogleErrorAsync(response, status, code);
    }

    [Fact]
    public async Task GenerateContent_ApiKeyInHeaderOrQuery_Answers()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ApiKey = "AIza-sim" });

        var viaHeader = await vendor.PostJsonAsync(Generate, Body("header key"), VendorHarness.Header("x-goog-api-key", "AIza-sim"));
        var viaQuery = await vendor.PostJsonAsync(Generate + "?key=AIza-sim", Body("query key"));

        Assert.Equal("STOP", (string?)viaHeader["candidates"]![0]!["finishReason"]);
        Assert.Equal("STOP", (string?)viaQuery["candidates"]![0]!["finishReason"]);
    }

    [Fact]
    public async Task GenerateContent_UnknownMethod_Returns404()
    {
        await using var vendor = await VendorHarness.StartAsync();

        using var response = await vendor.PostAsync("v1beta/models/gemini-sim:countTokens", Body("x"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    internal static JsonObject Body(string userMessage) => new()
    {
        ["contents"] = new JsonArray(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = userMessage }) }),
    };

    private static JsonObject WithTools(JsonObject body)
    {
        body["tools"] = new JsonArray(new JsonObject
        {
            ["functionDeclarations"] = new JsonArray(
                new JsonObject { ["name"] = "get_weather", ["description"] = "Weather", ["parameters"] = VendorHarness.WeatherSchema() },
                new JsonObject { ["name"] = "second_function" }),
        });
        return body;
    }

    /// <summary>Asserts a Google error (<c>{"error":{"code","message","status"}}</c>) and returns its message.</summary>
    private static async Task<string> GoogleErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(VendorHarness.Cancellation))!["error"]!;
        Assert.Equal((int)status, (int)error["code"]!);
        Assert.Equal(code, (string?)error["status"]);
        var message = (string?)error["message"];
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }
}
