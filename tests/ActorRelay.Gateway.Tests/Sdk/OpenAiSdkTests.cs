using System.ClientModel;
using ActorRelay.Gateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace ActorRelay.Gateway.Tests.Sdk;

/// <summary>The official OpenAI .NET SDK, unchanged, pointed at the gateway.</summary>
public sealed class OpenAiSdkTests(SharedGateway shared)
{
    private OpenAIClientOptions Options => new() { Endpoint = new Uri(shared.Gateway.BaseAddress, "v1/") };

    private ChatClient Client(string model) => new(model, new ApiKeyCredential(RunningGateway.DemoKey), Options);

    [Fact]
    public async Task CompleteChat_ReturnsTheAnswerAndUsage()
    {
        ChatCompletion completion = await Client("m-ok").CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new UserChatMessage("sdk says hi")],
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains("sdk says hi", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task CompleteChatStreaming_DeliversDeltasAndFinalUsage()
    {
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        // The SDK asks for the final usage chunk itself (stream_options.include_usage).
        await foreach (var update in Client("m-ok").CompleteChatStreamingAsync([new UserChatMessage("sdk streams")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Contains("sdk streams", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task UnknownModel_SurfacesAsAnApiErrorWithStatus404()
    {
        var failure = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client("not-configured").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(404, failure.Status);
    }

    [Fact]
    public async Task ListModels_ReturnsTheAliases()
    {
        var models = await new OpenAIModelClient(new ApiKeyCredential(RunningGateway.DemoKey), Options).GetModelsAsync(TestContext.Current.CancellationToken);

        Assert.Contains(models.Value, model => model.Id == "m-ok");
    }
}
