using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;

namespace ActorRelay.Core.Tests.Translation;

public sealed class ResponsesInboundTests
{
    [Fact]
    public void TryToOpenAi_TextInputWithInstructions_IsASystemAndAUserMessage()
    {
        var ok = ResponsesInbound.TryToOpenAi(
            JsonNode.Parse("""{"model":"m","instructions":"Be kind.","input":"Hello","max_output_tokens":50,"temperature":0.2,"store":true}""")!.AsObject(),
            out var chat, out var error, out _);

        Assert.True(ok, error);
        Assert.Equal(
            """{"model":"m","messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"Hello"}],"temperature":0.2,"max_tokens":50}""",
            chat!.ToJsonString());
    }

    [Fact]
    public void TryToOpenAi_ItemsToolsAndStream_MapToChatMessagesToolCallsAndToolResults()
    {
        var request = JsonNode.Parse("""
            {"model":"m","stream":true,"tool_choice":{"type":"function","name":"get_weather"},"text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
             "tools":[{"type":"function","name":"get_weather","description":"d","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "input":[
               {"role":"developer","content":"Rules."},
               {"type":"message","role":"user","content":[{"type":"input_text","text":"Look: "},{"type":"input_image","image_url":"https://x/y.png","detail":"low"}]},
               {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
               {"type":"function_call","call_id":"call_2","name":"get_weather","arguments":"{\"city\":\"Rome\"}"},
               {"type":"function_call_output","call_id":"call_1","output":"sunny"},
               {"role":"assistant","content":[{"type":"output_text","text":"Done."}]}]}
            """)!.AsObject();

        var ok = ResponsesInbound.TryToOpenAi(request, out var chat, out var error, out _);

        Assert.True(ok, error);
        var messages = chat!["messages"]!.AsArray();
        Assert.Equal(["system", "user", "assistant", "tool", "assistant"], messages.Select(m => (string)m!["role"]!));
        Assert.Equal("image_url", (string?)messages[1]!["content"]![1]!["type"]);
        Assert.Equal("low", (string?)messages[1]!["content"]![1]!["image_url"]!["detail"]);
        Assert.Equal(["call_1", "call_2"], messages[2]!["tool_calls"]!.AsArray().Select(c => (string)c!["id"]!));
        Assert.Equal("call_1", (string?)messages[3]!["tool_call_id"]);
        Assert.Equal("Done.", (string?)messages[4]!["content"]);
        Assert.Equal("get_weather", (string?)chat["tools"]![0]!["function"]!["name"]);
        Assert.Equal("get_weather", (string?)chat["tool_choice"]!["function"]!["name"]);
        Assert.Equal("json_schema", (string?)chat["response_format"]!["type"]);
        Assert.True((bool)chat["stream_options"]!["include_usage"]!);
    }

    [Theory]
    [InlineData("""{"input":"hi"}""", "model")]
    [InlineData("""{"model":"m"}""", "input")]
    [InlineData("""{"model":"m","input":[]}""", "input")]
    [InlineData("""{"model":"m","input":"hi","previous_response_id":"resp_1"}""", "previous_response_id")]
    [InlineData("""{"model":"m","input":"hi","tools":[{"type":"web_search"}]}""", "tools[0].type")]
    [InlineData("""{"model":"m","input":[{"role":"robot","content":"x"}]}""", "input[0].role")]
    [InlineData("""{"model":"m","input":[{"type":"reasoning"}]}""", "input[0].type")]
    [InlineData("""{"model":"m","input":[{"type":"function_call_output","output":"x"}]}""", "input[0].call_id")]
    public void TryToOpenAi_InvalidRequest_NamesTheParameter(string request, string param)
    {
        var ok = ResponsesInbound.TryToOpenAi(JsonNode.Parse(request)!.AsObject(), out var chat, out var error, out var named);

        Assert.False(ok);
        Assert.Null(chat);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Equal(param, named);
    }

    [Fact]
    public void FromOpenAiResponse_TextAndToolCalls_BecomeAMessageAndFunctionCallItems()
    {
        var response = JsonNode.Parse(ResponsesInbound.FromOpenAiResponse(Fixture.Bytes("AnthropicInbound/response-tool.openai.json"), "alias"))!;

        Assert.Equal("response", (string?)response["object"]);
        Assert.Equal("resp_chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", (string?)response["id"]);
        Assert.Equal("completed", (string?)response["status"]);
        Assert.Equal("alias", (string?)response["model"]);
        var output = response["output"]!.AsArray();
        Assert.Equal("Let me look that up.", (string?)output[0]!["content"]![0]!["text"]);
        Assert.Equal("function_call", (string?)output[1]!["type"]);
        Assert.Equal("call_abc123", (string?)output[1]!["call_id"]);
        Assert.Equal("""{"location":"Boston, MA"}""", (string?)output[1]!["arguments"]);
        Assert.Equal(82, (int)response["usage"]!["input_tokens"]!);
        Assert.Equal(64, (int)response["usage"]!["input_tokens_details"]!["cached_tokens"]!);
        Assert.Equal(99, (int)response["usage"]!["total_tokens"]!);
    }

    [Fact]
    public void FromOpenAiResponse_CutByLength_IsIncomplete()
    {
        var response = JsonNode.Parse(ResponsesInbound.FromOpenAiResponse(
            """{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hal"},"finish_reason":"length"}]}"""u8, "m"))!;

        Assert.Equal("incomplete", (string?)response["status"]);
        Assert.Equal("max_output_tokens", (string?)response["incomplete_details"]!["reason"]);
    }

    [Fact]
    public void FromOpenAiResponse_NotACompletion_Throws() =>
        Assert.Throws<TranslationException>(() => ResponsesInbound.FromOpenAiResponse("""{"object":"list"}"""u8, "m"));

    [Fact]
    public void StreamTranslator_TextAndTools_EmitTheTypedEventSequenceWithUsage()
    {
        var translator = ResponsesInbound.CreateStreamTranslator("alias");
        var events = Fixture.Translate(translator, Fixture.Events("AnthropicInbound/stream-tool.openai.sse"));
        var parsed = events.Select(e => (e.EventType, Data: JsonNode.Parse(e.Data.Span)!)).ToList();

        Assert.Equal(
            [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done",
                "response.completed",
            ],
            parsed.Select(e => e.EventType));
        Assert.All(parsed, e => Assert.Equal(e.EventType, (string?)e.Data["type"]));
        Assert.Equal(Enumerable.Range(0, parsed.Count), parsed.Select(e => (int)e.Data["sequence_number"]!));
        Assert.Equal("Let me check été.", (string?)parsed[6].Data["text"]);
        Assert.Equal("""{"location":"Paris"}""", (string?)parsed[12].Data["arguments"]);
        var completed = parsed[^1].Data["response"]!;
        Assert.Equal(["message", "function_call", "function_call"], completed["output"]!.AsArray().Select(i => (string)i!["type"]!));
        Assert.Equal("call_2", (string?)completed["output"]![2]!["call_id"]);
        Assert.Equal(17, (int)completed["usage"]!["output_tokens"]!);
        Assert.True(translator.InputCompleted);
        Assert.Equal(new TokenUsage(82, 17, 64, false), translator.Usage);
    }

    [Fact]
    public void StreamTranslator_ErrorEvent_BecomesAnErrorEventAndEndsTheOutput()
    {
        var translator = ResponsesInbound.CreateStreamTranslator("alias");
        var output = new List<SseEvent>();
        translator.Translate(new SseEvent(null, """{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}"""u8.ToArray()), output);
        translator.Translate(new SseEvent(null, """{"error":{"message":"cut","type":"upstream_error","code":"upstream_interrupted"}}"""u8.ToArray()), output);
        translator.Complete(output);

        var last = JsonNode.Parse(output[^1].Data.Span)!;
        Assert.Equal("error", output[^1].EventType);
        Assert.Equal("upstream_interrupted", (string?)last["code"]);
        Assert.Equal("cut", (string?)last["message"]);
        Assert.False(translator.InputCompleted);
        Assert.DoesNotContain(output, e => e.EventType == "response.completed");
        Assert.Contains("\"delta\":\"Hi\"", Encoding.UTF8.GetString(output[4].Data.Span), StringComparison.Ordinal);
    }
}
