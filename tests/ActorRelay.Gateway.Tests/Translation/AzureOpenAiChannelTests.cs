using System.ClientModel;
using System.Net;
using ActorRelay.Gateway.Tests.Infrastructure;
using ActorRelay.SimulatedVendor;
using OpenAI;
using OpenAI.Chat;

namespace ActorRelay.Gateway.Tests.Translation;

/// <summary>
/// An Azure OpenAI channel: the deployment URL, the key in <c>api-key</c> and the <c>api-version</c> query (the simulated
/// vendor, started on its own, answers Azure's 404 without <c>api-version</c> and 401 to a wrong <c>api-key</c>).
/// </summary>
public sealed class AzureOpenAiChannelTests : IAsyncLifetime
{
    private readonly string _database = RunningGateway.NewDatabasePath();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_database);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task AzureChannel_SendsApiKeyAndApiVersion_AndAnswersTheSdk()
    {
        await using var vendor = await SimulatedVendorServer.StartAsync(new SimulatedVendorOptions { ApiKey = "azure-secret" }, cancellationToken: TestContext.Current.CancellationToken);
        var deployment = new Uri(vendor.BaseAddress, "v1/").ToString();
        await using var gateway = await RunningGateway.StartAsync(_database, overrides: new Dictionary<string, string?>
        {
            ["ActorRelay:Channels:azure:Type"] = "AzureOpenAI",
            ["ActorRelay:Channels:azure:BaseUrl"] = deployment,
            ["ActorRelay:Channels:azure:ApiKey"] = "azure-secret",
            ["ActorRelay:Models:m-azure:Channel"] = "azure",
            ["ActorRelay:Models:m-azure:VendorModel"] = "sim-small",
            ["ActorRelay:Channels:azure-wrong:Type"] = "AzureOpenAI",
            ["ActorRelay:Channels:azure-wrong:BaseUrl"] = deployment,
            ["ActorRelay:Channels:azure-wrong:ApiKey"] = "not-the-key",
            ["ActorRelay:Models:m-azure-wrong:Channel"] = "azure-wrong",
        });
        var client = new ChatClient("m-azure", new ApiKeyCredential(RunningGateway.DemoKey), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1/") });

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("hello azure")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.StartsWith("You said: hello azure", completion.Content[0].Text);
        using var refused = await gateway.Client.SendAsync(Chat.Request("m-azure-wrong", "hi"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
