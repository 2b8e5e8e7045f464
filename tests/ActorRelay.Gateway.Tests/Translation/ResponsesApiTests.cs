using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Translation;

/// <summary>The OpenAI Responses API (<c>POST /v1/responses</c>) over OpenAI-, Anthropic- and Gemini-type channels.</summary>
public sealed class ResponsesApiTests(SharedGateway shared)
{
    private static readonly JsonNode WeatherTool = JsonNode.Parse(
        """{"type":"function","name":"get_weather","description":"The weather in a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}""")!;

    private async Task<HttpResponseMessage> SendAsync(JsonObject body) =>
        await shared.Gateway.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") },
            HttpCompletionOption.ResponseHeadersRead,
            TestContext.Current.CancellationToken);

    [Theory]
    [InlineData("m-ok")]
    [InlineData("m-anthropic")]
    [InlineData("m-gemini")]
    public async Task Response_FromTextInput_HasAMessageItemAndUsage(string model)
    {
        using var response = await SendAsync(new JsonObject { ["model"] = model, ["instructions"] = "Be terse.", ["input"] = "hello responses" });
        var body = await Chat.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("response", (string?)body["object"]);
        Assert.StartsWith("resp_", (string?)body["id"]);
        Assert.Equal("completed", (string?)body["status"]);
        var item = body["output"]![0]!;
        Assert.Equal("message", (string?)item["type"]);
        Assert.Equal("output_text", (string?)item["content"]![0]!["type"]);
        Assert.StartsWith("You said: hello responses", (string?)item["content"]![0]!["text"]);
        var usage = body["usage"]!;
        Assert.True((long)usage["input_tokens"]! > 0);
        Assert.True((long)usage["output_tokens"]! > 0);
        Assert.Equal((long)usage["input_tokens"]! + (long)usage["output_tokens"]!, (long)usage["total_tokens"]!);
    }

    [Theory]
    [InlineData("m-ok")]
    [InlineData("m-anthropic")]
    public async Task Response_WithTools_CallsAFunctionThenTakesItsOutput(string model)
    {
        var input = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = "weather in Lima?" }) });
        using var first = await SendAsync(new JsonObject { ["model"] = model, ["input"] = input, ["tools"] = new JsonArray(WeatherTool.DeepClone()) });
        var call = (await Chat.JsonAsync(first))["output"]!.AsArray().Single(item => (string?)item!["type"] == "function_call")!;

        Assert.Equal("get_weather", (string?)call["name"]);
        Assert.NotNull((string?)JsonNode.Parse((string)call["arguments"]!)!["city"]);

        input.Add(call.DeepClone());
        input.Add(new JsonObject { ["type"] = "function_call_output", ["call_id"] = (string?)call["call_id"], ["output"] = "warm" });
        using var second = await SendAsync(new JsonObject { ["model"] = model, ["input"] = input.DeepClone(), ["tools"] = new JsonArray(WeatherTool.DeepClone()) });
        var answer = await Chat.JsonAsync(second);

        Assert.StartsWith("Tool said: warm", (string?)answer["output"]![0]!["content"]![0]!["text"]);
    }

    [Theory]
    [InlineData("m-ok")]
    [InlineData("m-gemini")]
    public async Task Response_Stream_SendsTheTypedEventSequence(string model)
    {
        using var response = await SendAsync(new JsonObject { ["model"] = model, ["input"] = "stream responses", ["stream"] = true });
        var events = await Sse.ReadTypedEventsAsync(response);
        var names = events.Select(e => e.Event).ToList();

        Assert.All(events, e => Assert.Equal(e.Event, (string?)e.Data["type"]));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => (int)e.Data["sequence_number"]!));
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], names.Take(4));
        Assert.Equal(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"], names.TakeLast(4));
        var deltas = string.Concat(events.Where(e => e.Event == "response.output_text.delta").Select(e => (string?)e.Data["delta"]));
        Assert.StartsWith("You said: stream responses", deltas);
        var completed = events[^1].Data["response"]!;
        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal(deltas, (string?)completed["output"]![0]!["content"]![0]!["text"]);
        Assert.True((long)completed["usage"]!["output_tokens"]! > 0);
    }

    [Fact]
    public async Task Errors_ComeAsOpenAiErrors()
    {
        using var stateful = await SendAsync(new JsonObject { ["model"] = "m-ok", ["input"] = "hi", ["previous_response_id"] = "resp_1" });
        var error = (await Chat.JsonAsync(stateful))["error"]!;
        Assert.Equal(HttpStatusCode.BadRequest, stateful.StatusCode);
        Assert.Equal("previous_response_id", (string?)error["param"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);

        using var unknown = await SendAsync(new JsonObject { ["model"] = "no-such-model", ["input"] = "hi" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (string?)(await Chat.JsonAsync(unknown))["error"]!["code"]);
    }
}
