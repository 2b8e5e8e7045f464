using System.Net;
using ActorRelay.Actors.Channels;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Routing;
using ActorRelay.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRelay.Gateway.Tests.Actors;

public sealed class ChannelGateTests(SharedGateway shared)
{
    private static readonly CallOutcome Healthy = new(CallVerdict.Healthy, 200, 5, 1, 1);

    [Fact]
    public async Task Admit_AfterACallOnTheChannel_IsServedFromTheNodesLease_AndFeedsTheHealthBoard()
    {
        var services = shared.Gateway.Services;
        var gate = services.GetRequiredService<ChannelGate>();
        using (var response = await shared.Gateway.Client.SendAsync(Chat.Request("m-ok", "wakes the lease")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var attempt = 0;
        var admission = await Eventually.ReturnsAsync(async () =>
        {
            var next = await gate.AdmitAsync("ok", $"gate-test-{attempt++}", TimeSpan.FromSeconds(30), 0, TestContext.Current.CancellationToken);
            if (next.Lease is null && next.Rejection is null)
            {
                await gate.ReleaseAsync("ok", $"gate-test-{attempt - 1}", next, Healthy);
            }

            return next;
        }, next => next.Lease is not null, "a call on the channel is admitted on the node's lease");
        await gate.ReleaseAsync("ok", $"gate-test-{attempt - 1}", admission, Healthy);

        var health = services.GetRequiredService<ChannelHealthBoard>().Get("ok");
        Assert.NotNull(health);
        Assert.True(health.Available);
    }
}
