using System.ClientModel;
using System.Text;
using System.Text.Json;
using ActorRelay.Gateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace ActorRelay.Gateway.Tests.Translation;

/// <summary>The official OpenAI .NET SDK, unchanged, against channels that speak Anthropic Messages and Gemini.</summary>
public sealed class TranslatedChannelSdkTests(SharedGateway shared)
{
    private static readonly ChatTool WeatherTool = ChatTool.CreateFunctionTool(
        "get_weather",
        "The weather in a city.",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}"""));

    private ChatClient Client(string model) =>
        new(model, new ApiKeyCredential(RunningGateway.DemoKey), new OpenAIClientOptions { Endpoint = new Uri(shared.Gateway.BaseAddress, "v1/") });

    [Theory]
    [InlineData("m-anthropic")]
    [InlineData("m-gemini")]
    public async Task CompleteChat_ThroughATranslatedChannel_ReturnsTheAnswerAndUsage(string model)
    {
        ChatCompletion completion = await Client(model).CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new UserChatMessage($"sdk to {model}")],
            new ChatCompletionOptions { MaxOutputTokenCount = 200, Temperature = 0.5f },
            TestContext.Current.CancellationToken);

        Assert.StartsWith($"You said: sdk to {model}", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
    }

    [Theory]
    [InlineData("m-anthropic")]
    [InlineData("m-gemini")]
    public async Task CompleteChatStreaming_ThroughATranslatedChannel_DeliversDeltasFinishAndUsage(string model)
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Client(model).CompleteChatStreamingAsync([new UserChatMessage($"stream via {model}")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.StartsWith($"You said: stream via {model}", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.InputTokenCount > 0);
        Assert.True(usage.OutputTokenCount > 0);
    }

    [Theory]
    [InlineData("m-anthropic")]
    [InlineData("m-gemini")]
    public async Task ToolCall_RoundTrip_ThroughATranslatedChannel(string model)
    {
        var client = Client(model);
        var options = new ChatCompletionOptions { Tools = { WeatherTool } };
        List<ChatMessage> messages = [new UserChatMessage("What is the weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.Id));
        using (var arguments = JsonDocument.Parse(call.FunctionArguments))
        {
            Assert.Equal(JsonValueKind.String, arguments.RootElement.GetProperty("city").ValueKind);
            Assert.Equal(JsonValueKind.Number, arguments.RootElement.GetProperty("days").ValueKind);
        }

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "sunny, 21 C"));
        ChatCompletion second = await client.CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.StartsWith("Tool said: sunny, 21 C", second.Content[0].Text);
    }

    [Theory]
    [InlineData("m-anthropic")]
    [InlineData("m-gemini")]
    public async Task ToolCall_Streaming_ThroughATranslatedChannel_AssemblesTheArguments(string model)
    {
        string? id = null, name = null;
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Client(model).CompleteChatStreamingAsync(
                           [new UserChatMessage("Weather in Oslo, streamed")], new ChatCompletionOptions { Tools = { WeatherTool } }, TestContext.Current.CancellationToken))
        {
            foreach (var tool in update.ToolCallUpdates)
            {
                Assert.Equal(0, tool.Index);
                id ??= tool.ToolCallId;
                name ??= tool.FunctionName;
                arguments.Append(tool.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal("get_weather", name);
        using var parsed = JsonDocument.Parse(arguments.ToString());
        Assert.Equal(JsonValueKind.String, parsed.RootElement.GetProperty("city").ValueKind);
    }

    [Fact]
    public async Task VendorError_OfAnAnthropicChannel_SurfacesAsAnOpenAiErrorWithTheVendorStatus()
    {
        var failure = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client("m-anthropic-wrongkey").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(401, failure.Status);
        using var body = JsonDocument.Parse(failure.GetRawResponse()!.Content.ToString());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("authentication_error", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("m-gemini-drop")]
    [InlineData("m-anthropic-drop")]
    public async Task TranslatedStream_CutByTheVendor_EndsWithAnErrorEventAndNoDone(string model)
    {
        using var response = await shared.Gateway.Client.SendAsync(Chat.Request(model, "cut me", stream: true), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var events = await Chat.ReadEventsAsync(response);

        Assert.DoesNotContain("[DONE]", events);
        using var last = JsonDocument.Parse(events[^1]);
        Assert.Equal("upstream_interrupted", last.RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
