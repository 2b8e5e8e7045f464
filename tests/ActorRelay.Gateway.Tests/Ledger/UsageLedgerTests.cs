using System.Net;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Ledger;

/// <summary>The cost ledger through the HTTP surface, each test on its own gateway and SQLite journal.</summary>
public sealed class UsageLedgerTests : OwnJournal
{
    private static Task<JsonNode> UsageWithRequestsAsync(HttpClient client, long requests) =>
        Eventually.ReturnsAsync(() => Chat.UsageAsync(client), usage => (long)usage["totals"]!["requests"]! == requests, $"usage shows {requests} requests");

    [Fact]
    public async Task Usage_AfterCalls_SumsVendorTokensAndPricesThem()
    {
        await using var gateway = await RunningGateway.StartAsync(Database);
        long input = 0, output = 0;
        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Client.SendAsync(Chat.Request("m-ok", $"call number {i}"));
            var usage = (await Chat.JsonAsync(response))["usage"]!;
            input += (long)usage["prompt_tokens"]!;
            output += (long)usage["completion_tokens"]!;
        }

        var totals = (await UsageWithRequestsAsync(gateway.Client, 3))["totals"]!;

        Assert.Equal(input, (long)totals["input_tokens"]!);
        Assert.Equal(output, (long)totals["output_tokens"]!);
        Assert.Equal(((input * 1.5m) + (output * 6m)) / 1_000_000m, (decimal)totals["cost"]!);
    }

    [Fact]
    public async Task Usage_AfterRestart_KeepsTheSameTotals()
    {
        JsonNode before;
        await using (var first = await RunningGateway.StartAsync(Database))
        {
            for (var i = 0; i < 4; i++)
            {
                using var response = await first.Client.SendAsync(Chat.Request("m-ok", $"before restart {i}", stream: i % 2 == 0));
                await response.Content.ReadAsStringAsync();
            }

            before = await UsageWithRequestsAsync(first.Client, 4);
        }

        await using var second = await RunningGateway.StartAsync(Database);
        var after = await Chat.UsageAsync(second.Client);

        Assert.Equal(before.ToJsonString(), after.ToJsonString());
    }

    [Fact]
    public async Task OneClientRequestIdSentTwice_IsBilledAsTwoCalls()
    {
        // The ledger bills a call under the gateway's own id: a caller reusing its own x-request-id cannot make a call free.
        await using var gateway = await RunningGateway.StartAsync(Database);
        var clientRequestId = $"reused-{Guid.NewGuid():N}";

        for (var i = 0; i < 2; i++)
        {
            using var response = await gateway.Client.SendAsync(Chat.Request("m-ok", "twice", clientRequestId: clientRequestId));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        var usage = await UsageWithRequestsAsync(gateway.Client, 2);
        Assert.Equal(2, (long)usage["models"]!["m-ok"]!["requests"]!);
    }

    [Fact]
    public async Task AbandonedStream_IsBilledExactlyOnceForWhatWasDelivered()
    {
        await using var gateway = await RunningGateway.StartAsync(Database);
        var marker = $"abandon-{Guid.NewGuid():N}";
        var response = await gateway.Client.SendAsync(Chat.Request("m-long", marker, stream: true), HttpCompletionOption.ResponseHeadersRead);
        await (await response.Content.ReadAsStreamAsync()).ReadExactlyAsync(new byte[2048]);
        response.Dispose();
        await Eventually.TrueAsync(() => gateway.VendorMonitor.WasAborted(marker), "the vendor saw the abort");

        var usage = await UsageWithRequestsAsync(gateway.Client, 1);
        await Task.Delay(500);
        var settled = await Chat.UsageAsync(gateway.Client);

        Assert.Equal(1, (long)settled["totals"]!["requests"]!);
        Assert.True((long)usage["totals"]!["output_tokens"]! > 0);
        Assert.True((decimal)usage["totals"]!["cost"]! > 0);
    }
}
