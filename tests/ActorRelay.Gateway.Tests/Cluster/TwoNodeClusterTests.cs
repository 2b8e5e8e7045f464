using System.Net;
using ActorRelay.Gateway.Tests.Infrastructure;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRelay.Gateway.Tests.Cluster;

/// <summary>
/// Two gateway processes' worth of ActorSystems on 127.0.0.1 form one cluster by configuration alone; calls on
/// either node reach the same sharded channel and ledger entities over Akka.Remote (so every message crosses
/// the wire through ActorRelay's serializer).
/// </summary>
public sealed class TwoNodeClusterTests : IDisposable
{
    private readonly string[] _databases = [RunningGateway.NewDatabasePath(), RunningGateway.NewDatabasePath()];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var database in _databases)
        {
            File.Delete(database);
        }
    }

    [Fact]
    public async Task SecondNode_WithSeedNodeConfiguration_JoinsAndSharesTheLedger()
    {
        await using var first = await RunningGateway.StartAsync(_databases[0]);
        var seed = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();

        await using var second = await RunningGateway.StartAsync(_databases[1], overrides: new Dictionary<string, string?>
        {
            ["ActorRelay:Akka:Cluster:SeedNodes:0"] = seed,
        });

        var members = Akka.Cluster.Cluster.Get(second.Services.GetRequiredService<ActorSystem>()).State.Members;
        Assert.Equal(2, members.Count(member => member.Status == MemberStatus.Up));

        for (var i = 0; i < 6; i++)
        {
            var node = i % 2 == 0 ? first : second;
            using var response = await node.Client.SendAsync(Chat.Request("m-ok", $"cluster call {i}", stream: i % 3 == 0));
            await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var fromFirst = await Eventually.ReturnsAsync(
            () => Chat.UsageAsync(first.Client), usage => (long)usage["totals"]!["requests"]! == 6, "both nodes' calls reach one ledger");
        var fromSecond = await Chat.UsageAsync(second.Client);
        Assert.Equal(fromFirst.ToJsonString(), fromSecond.ToJsonString());
    }

    [Fact]
    public async Task KeyRevokedOnOneNode_StopsWorkingOnTheOtherWithinSeconds()
    {
        await using var first = await RunningGateway.StartAsync(_databases[0]);
        var seed = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        await using var second = await RunningGateway.StartAsync(_databases[1], overrides: new Dictionary<string, string?>
        {
            ["ActorRelay:Akka:Cluster:SeedNodes:0"] = seed,
        });
        await first.CreateTenantAsync("roaming");
        var (key, id) = await first.IssueKeyAsync("roaming");
        using var onSecond = second.ClientWithKey(key);
        await Eventually.ReturnsAsync(() => StatusAsync(onSecond), status => status == HttpStatusCode.OK, "the key issued on node 1 works on node 2");

        using var revoked = await first.Admin.PostAsync($"/admin/keys/{id}/revoke", null);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Eventually.ReturnsAsync(() => StatusAsync(onSecond), status => status == HttpStatusCode.Unauthorized, "node 2 refuses the revoked key", seconds: 5);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var response = await client.SendAsync(Chat.Request("m-ok", "roaming"));
        return response.StatusCode;
    }
}
