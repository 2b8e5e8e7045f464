using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Ledger;

/// <summary>Calls served through translation reach the ledger with the vendor's usage, or an estimate when a stream is cut.</summary>
public sealed class TranslatedUsageLedgerTests : IAsyncLifetime
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
    public async Task TranslatedCalls_AreBilledWithTheUsageTheClientSaw()
    {
        await using var gateway = await RunningGateway.StartAsync(_database);
        long input = 0, output = 0;
        using (var anthropic = await gateway.Client.SendAsync(Chat.Request("m-anthropic", "bill me via anthropic")))
        {
            var usage = (await Chat.JsonAsync(anthropic))["usage"]!;
            (input, output) = (input + (long)usage["prompt_tokens"]!, output + (long)usage["completion_tokens"]!);
        }

        using (var gemini = await gateway.Client.SendAsync(Chat.Request("m-gemini", "bill me via gemini", stream: true, includeUsage: true)))
        {
            var usage = JsonNode.Parse((await Chat.ReadEventsAsync(gemini)).Last(data => data.Contains("\"usage\":{", StringComparison.Ordinal)))!["usage"]!;
            (input, output) = (input + (long)usage["prompt_tokens"]!, output + (long)usage["completion_tokens"]!);
        }

        var messages = new JsonObject
        {
            ["model"] = "m-gemini",
            ["max_tokens"] = 100,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "bill me via messages" }),
        };
        using (var message = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(messages.ToJsonString(), Encoding.UTF8, "application/json") }))
        {
            var usage = (await Chat.JsonAsync(message))["usage"]!;
            (input, output) = (input + (long)usage["input_tokens"]! + (long)usage["cache_read_input_tokens"]!, output + (long)usage["output_tokens"]!);
        }

        var report = await Eventually.ReturnsAsync(() => Chat.UsageAsync(gateway.Client), usage => (long)usage["totals"]!["requests"]! == 3, "three calls billed");
        var totals = report["totals"]!;

        Assert.Equal(input, (long)totals["input_tokens"]!);
        Assert.Equal(output, (long)totals["output_tokens"]!);
        Assert.Equal(((input * 1.5m) + (output * 6m)) / 1_000_000m, (decimal)totals["cost"]!);
        Assert.Equal(2, (long)report["models"]!["m-gemini"]!["requests"]!);
    }

    [Fact]
    public async Task CutTranslatedStream_IsBilledWithATokenizerEstimate()
    {
        await using var gateway = await RunningGateway.StartAsync(_database);
        using (var response = await gateway.Client.SendAsync(Chat.Request("m-gemini-drop", "estimate me", stream: true), HttpCompletionOption.ResponseHeadersRead))
        {
            await Chat.ReadEventsAsync(response);
        }

        var report = await Eventually.ReturnsAsync(() => Chat.UsageAsync(gateway.Client), usage => (long)usage["totals"]!["requests"]! == 1, "the cut call billed");
        var totals = report["totals"]!;

        // The prompt ("You are terse." and "estimate me" with message overheads) and the few words delivered before the cut.
        Assert.InRange((long)totals["input_tokens"]!, 10, 30);
        Assert.InRange((long)totals["output_tokens"]!, 1, 20);
        Assert.True((decimal)totals["cost"]! > 0);
        var metrics = await gateway.Client.GetStringAsync("/metrics");
        // Metrics are process-wide: other gateways of this test run may have counted cut streams on the same channel too.
        var counted = metrics.Split('\n').Single(line => line.StartsWith("actorrelay_estimated_usage_total{model=\"m-gemini-drop\",channel=\"gemini-drop\"} ", StringComparison.Ordinal));
        Assert.True(double.Parse(counted[(counted.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= 1);
    }
}
