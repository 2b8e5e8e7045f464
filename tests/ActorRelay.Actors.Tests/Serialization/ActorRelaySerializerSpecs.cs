using ActorRelay.Actors.Access;
using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Idempotency;
using ActorRelay.Actors.Ledger;
using ActorRelay.Actors.RateLimiting;
using ActorRelay.Actors.Routing;
using ActorRelay.Actors.Serialization;
using ActorRelay.Actors.Tests.Ledger;
using ActorRelay.Core;
using ActorRelay.Core.Access;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Policy;
using ActorRelay.Core.Routing;
using Akka.Actor;
using Akka.Hosting;
using Akka.Hosting.TestKit;
using Akka.Serialization;

namespace ActorRelay.Actors.Tests.Serialization;

public sealed class ActorRelaySerializerSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithCustomSerializer(ActorRelaySerializer.SerializerName, [typeof(IActorRelayMessage)], system => new ActorRelaySerializer(system));

    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly BudgetSpec Budget = new(10m, BudgetPeriod.Weekly, BudgetMode.Soft);
    private static readonly AccessDirectoryView Directory = new(
        7,
        [new TenantInfo("t", "T", new Dictionary<string, string> { ["team"] = "a" }, At)],
        [new ProjectInfo("t", "p", "P", new Dictionary<string, string>(), At)],
        [new KeyInfo("key_1", "t", "p", "k", "hash", "d", ["m"], null, At, null, null)]);

    private static readonly ChannelHealth Health = new("c", false, CircuitState.HalfOpen, 42.5, 3);
    private static readonly IdempotentResult Result = new("r", 200, "application/json", [1, 2, 3]);
    private static readonly RouteSpec Route = new("m", RoutingStrategy.LowestLatency,
        [new Deployment("a", "ch-a", "vm", 3, 0), new Deployment("b", "ch-b", "vm", 1, 1)],
        [new CanarySpec("b", 5, ["t1"]), new CanarySpec("a", 1, null)]);
    private static readonly RouteDirectoryView Routes = new(3, [Route], [new RouteChange(3, "m", "set", Route, At), new RouteChange(2, "x", "removed", null, At)]);

    /// <summary>Every field of a call that the compact batch form packs: shared and distinct names, tag sets equal by value
    /// or not, absent project and key, offsets other than UTC, decimals with trailing zeros, estimated usage, media.</summary>
    private static readonly LedgerEvents.CostsRecorded MixedBatch = new(
    [
        TenantLedgerActorSpecs.Cost("r7", 0.50m) with
        {
            ProjectId = "p", KeyId = "key_1", Tags = new Dictionary<string, string> { ["team"] = "a", ["env"] = "prod" },
            StartedAt = new DateTimeOffset(2026, 11, 25, 10, 0, 0, 1, TimeSpan.FromHours(5.5)).AddTicks(3),
            FinishedAt = new DateTimeOffset(2026, 11, 25, 4, 30, 2, 250, TimeSpan.Zero).AddTicks(7),
        },
        TenantLedgerActorSpecs.Cost("r8", 0.0000102m, "m2") with
        {
            KeyId = "key_1", Tags = new Dictionary<string, string> { ["env"] = "prod", ["team"] = "a" },
            UsageEstimated = true, Status = CallStatus.ClientAborted, HttpStatus = 499, Streamed = false,
            StartedAt = At.AddMinutes(-3), FinishedAt = At,
        },
        TenantLedgerActorSpecs.Cost("r9", 0m) with
        {
            Tags = new Dictionary<string, string>(), Status = CallStatus.TimedOut, HttpStatus = 504, InputTokens = 3_000_000_000L,
            CachedTokens = 12, Images = 2, AudioSeconds = 1.250m, StartedAt = At, FinishedAt = At,
        },
    ], "0f1e2d3c", 42);

    public static TheoryData<IActorRelayMessage> Messages() =>
    [
        TenantLedgerActorSpecs.Cost("r1", 0.0000123m),
        new LedgerSnapshot(
            new UsageTotals(2, 3, 4, 1, 0.5m),
            new Dictionary<string, UsageTotals> { ["m"] = new(2, 3, 4, 1, 0.5m) },
            ["r1", "r2"],
            [new ScopedBudget("p", Budget)],
            [new ScopedSpending(null, new DateOnly(2026, 11, 25), 0.25m)],
            [new ScopedSpending("p", null, 1.5m)],
            []),
        new LedgerSnapshot(
            new UsageTotals(1, 1, 1, 0, 0.1m),
            new Dictionary<string, UsageTotals>(),
            [],
            BilledRequestIdHashes: [.. Enumerable.Range(0, 32).Select(i => (byte)i)]),
        TenantLedgerActorSpecs.Cost("r3", 0.5m) with { ProjectId = "p", KeyId = "key_1", Tags = new Dictionary<string, string> { ["team"] = "x" } },
        new LedgerEvents.BudgetSet("t1", "p", Budget, At),
        new LedgerEvents.CostsRecorded([TenantLedgerActorSpecs.Cost("r4", 0.1m), TenantLedgerActorSpecs.Cost("r5", 0.2m) with { ProjectId = "p" }]),
        new LedgerEvents.CostsRecorded([]),
        MixedBatch,
        new LedgerCommands.LeaseBudget("t1", "node/p/1", "p", 2.5m, 0.25m, 30),
        new LedgerCommands.BudgetLeased("t1", "node/p/1", ReserveOutcome.Denied, 0m, true, new BudgetStatus("p", Budget, At, At.AddDays(1), 1m, 0.5m), 3),
        new LedgerCommands.RenewBudgetLease("t1", "node/p/1", 30),
        new LedgerCommands.BudgetLeaseRenewed("t1", "node/p/1", false, 3),
        new LedgerCommands.ReturnBudget("t1", "node/p/1", 0.75m),
        new LedgerCommands.ReturnBudget("t1", "node/p/1", null),
        new LedgerCommands.BudgetChanged("t1", 4),
        new LedgerCommands.SetBudget("t1", null, null),
        new LedgerQueries.GetBudgets("t1"),
        new LedgerQueries.BudgetsReport("t1", [new BudgetStatus(null, Budget, At, At.AddDays(7), 0m, 0m)]),
        new AccessEvents.TenantCreated("t", "T", new Dictionary<string, string> { ["team"] = "a" }, At),
        new AccessEvents.ProjectCreated("t", "p", "P", new Dictionary<string, string>(), At),
        new AccessEvents.KeyIssued("key_1", "t", "p", "k", "hash", "sk-ar-key_1…", ["m"], At.AddDays(1), At, "key_0"),
        new AccessEvents.KeyExpirySet("key_1", null, At),
        new AccessEvents.KeyModelsSet("key_1", ["a", "b"], At),
        new AccessEvents.KeyRevoked("key_1", At),
        Directory,
        new AccessCommands.CreateTenant("t", null, null),
        new AccessCommands.CreateProject("t", "p", "P", new Dictionary<string, string> { ["x"] = "y" }),
        new AccessCommands.IssueKey("key_1", "t", null, "k", "hash", "d", [], null),
        new AccessCommands.RotateKey("key_1", "key_2", "h2", "d2", 60),
        new AccessCommands.RevokeKey("key_1"),
        new AccessCommands.SetKeyExpiry("key_1", At),
        new AccessCommands.SetKeyModels("key_1", ["m"]),
        new AccessCommands.AccessReply(AccessOutcome.Conflict, "exists", Directory),
        new AccessQueries.GetDirectory(3),
        new AccessQueries.DirectoryUnchanged(3),
        new LedgerCommands.RecordCosts("t1", 7, [new LedgerCommands.LeasedCost(TenantLedgerActorSpecs.Cost("r2"), "node/-/1"), new LedgerCommands.LeasedCost(TenantLedgerActorSpecs.Cost("r6"), null)]),
        new LedgerCommands.RecordCosts("t1", 8, [new LedgerCommands.LeasedCost(TenantLedgerActorSpecs.Cost("r10"), null)], "0f1e2d3c"),
        new LedgerSnapshot(new UsageTotals(1, 1, 1, 0, 0.1m), new Dictionary<string, UsageTotals>(), [], BilledRequestIdHashes: [], SenderBatches: [new SenderBatch("0f1e2d3c", 42)]),
        new LedgerCommands.CostsAck("t1", 7, 1),
        new LedgerQueries.GetUsage("t1"),
        new LedgerQueries.UsageReport("t1", new UsageTotals(1, 1, 1, 0, 1m), new Dictionary<string, UsageTotals> { ["m"] = new(1, 1, 1, 0, 1m) }),
        new ChannelCommands.Admit("c", "r", 30, 1_200),
        new ChannelCommands.Admitted("r", true, Health),
        new ChannelCommands.Rejected("r", RejectionReason.CircuitOpen, "open", 2.5, Health),
        new ChannelCommands.Release("c", "r", new CallOutcome(CallVerdict.Failed, 503, 12.5, 3, 4)),
        new ChannelCommands.RenewLease("c", 7, 90, 4, 3, 5, false, 2, 1_000, 1, 200, 600, new LeaseOutcomes(6, 2, 4, 1, 1, 250.5, 1)),
        new ChannelCommands.LeaseGranted("c", 7, 6, true, 16, true, 3, 4_000, Health),
        new ChannelCommands.LeaseRevoked("c", Health),
        new ChannelQueries.GetChannelStats("c"),
        new ChannelQueries.ChannelStats("c", 1, 2, 3, 4, 5, 6, 7.5, new CircuitBreakerSnapshot(
            CircuitState.Open, At, At.AddSeconds(10), TimeSpan.FromSeconds(10), 5, 20, 10, 0, 0, 1, CircuitTrip.FailureRate)),
        new ChannelQueries.GetChannelHealth("c"),
        Health,
        new RateLimitCommands.Acquire("t", "key_1", new RateLimits(60, 10_000), null, 500),
        new RateLimitCommands.Acquired(false, new RateDecision(false, TimeSpan.FromSeconds(3), 0, 9_000, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(6), 60, 10_000), null),
        new RateLimitCommands.Acquired(true, null, new RateDecision(true, TimeSpan.Zero, 5, 9_000, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6), 60, 10_000), default, new RateGrant(5, 2_500)),
        new RateLimitCommands.Acquire("t", "key_1", null, new RateLimits(600, 100_000), 500, 8),
        new RateLimitCommands.GiveBack("t", "key_1", new RateGrant(0, 120), new RateGrant(3, 1_620)),
        new IdempotencyCommands.Begin("t.abc", "r", "f00d", 180, 3600),
        new IdempotencyCommands.Finish("t.abc", "r", true, Result),
        new IdempotencyCommands.Proceed("r"),
        new IdempotencyCommands.Replay("r2", Result),
        new IdempotencyCommands.Refused("r2", IdempotencyRefusal.KeyReused, "other body"),
        new RouteEvents.RouteSet(3, Route, At),
        new RouteEvents.RouteRemoved(4, "m", At),
        Routes,
        new RouteCommands.SetRoute(Route, 2),
        new RouteCommands.RemoveRoute("m", null),
        new RouteCommands.RouteReply(RouteOutcome.Conflict, "stale", Routes),
        new RouteQueries.GetRoutes(1),
        new RouteQueries.RoutesUnchanged(1),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void EveryContract_RoundTripsThroughTheBoundSerializer(IActorRelayMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);

        var bytes = serializer.ToBinary(message);
        var manifest = Serialization.ManifestFor(serializer, message);
        var restored = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType<ActorRelaySerializer>(serializer);
        Assert.DoesNotContain(".", manifest.Replace(".v", "", StringComparison.Ordinal));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(message, message.GetType()), System.Text.Json.JsonSerializer.Serialize(restored, restored.GetType()));
    }

    [Fact]
    public void ContractTypes_CoverEveryMessageTypeInTheAssemblies()
    {
        var messageTypes = typeof(ActorRelaySerializer).Assembly.GetTypes()
            .Concat(typeof(IActorRelayMessage).Assembly.GetTypes())
            .Where(type => typeof(IActorRelayMessage).IsAssignableFrom(type) && type is { IsInterface: false, IsAbstract: false })
            .ToHashSet();

        Assert.Equal(messageTypes.OrderBy(type => type.FullName), ActorRelaySerializer.ContractTypes.OrderBy(type => type.FullName));
    }

    [Fact]
    public void CostRecordedV1_StoredBytes_StillDeserialize()
    {
        const string storedV1 = """
            {"requestId":"req-1","tenantId":"t","model":"alias","channelId":"c","vendorModel":"vm","inputTokens":10,"outputTokens":20,
             "cachedTokens":0,"usageEstimated":false,"cost":0.0000123,"priceVersion":"p1","status":"Succeeded","httpStatus":200,
             "streamed":true,"startedAt":"2026-11-25T10:00:00+00:00","finishedAt":"2026-11-25T10:00:01+00:00"}
            """;
        var serializer = Sys.Serialization.FindSerializerForType(typeof(LedgerEvents.CostRecorded));

        var restored = Assert.IsType<LedgerEvents.CostRecorded>(
            Sys.Serialization.Deserialize(System.Text.Encoding.UTF8.GetBytes(storedV1), serializer.Identifier, "CostRecorded.v1"));

        Assert.Equal(0.0000123m, restored.Cost);
        Assert.Equal(CallStatus.Succeeded, restored.Status);
        Assert.Equal(0, restored.Images);
        Assert.Equal(0m, restored.AudioSeconds);
    }

    [Fact]
    public void CostRecorded_WithImagesAndAudioSeconds_RoundTripsUnderTheSameManifest()
    {
        var cost = new LedgerEvents.CostRecorded("req-2", "t", "img", "c", "dall-e-3", 12, 0, 0, false, 0.08m, "p1", CallStatus.Succeeded, 200, false,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Images: 2, AudioSeconds: 1.5m);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(cost);

        var restored = serializer.FromBinary(serializer.ToBinary(cost), serializer.Manifest(cost));

        Assert.Equal("CostRecorded.v1", serializer.Manifest(cost));
        Assert.Equal(cost, restored);
    }

    [Fact]
    public void CostsRecorded_IsJournaledInItsCompactForm_UnderAQuarterOfItsJsonSize()
    {
        var calls = Enumerable.Range(0, 100).Select(i => TenantLedgerActorSpecs.Cost($"req_01a24c110255b13260f99e{i:D10}", 0.0000102m) with
        {
            KeyId = "key_demo", Tags = new Dictionary<string, string> { ["team"] = "demo" }, StartedAt = At.AddMilliseconds(i * 7), FinishedAt = At.AddMilliseconds(i * 7 + 96),
        }).ToList();
        var batch = new LedgerEvents.CostsRecorded(calls);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(batch);

        var bytes = serializer.ToBinary(batch);
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(batch, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));

        Assert.Equal("CostsRecorded.v2", serializer.Manifest(batch));
        Assert.True(bytes.Length * 4 < json.Length, $"{bytes.Length / 100} bytes per call against {json.Length / 100} as JSON objects");
        var restored = Assert.IsType<LedgerEvents.CostsRecorded>(serializer.FromBinary(bytes, "CostsRecorded.v2"));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(batch), System.Text.Json.JsonSerializer.Serialize(restored));
    }

    [Fact]
    public void CostsRecordedV1_StoredBytes_StillDeserialize()
    {
        const string storedV1 = """
            {"costs":[{"requestId":"req-1","tenantId":"t","model":"alias","channelId":"c","vendorModel":"vm","inputTokens":10,
             "outputTokens":20,"cachedTokens":0,"usageEstimated":false,"cost":0.0000123,"priceVersion":"p1","status":"Succeeded",
             "httpStatus":200,"streamed":true,"startedAt":"2026-11-25T10:00:00+00:00","finishedAt":"2026-11-25T10:00:01+00:00",
             "projectId":null,"keyId":"key_1","tags":{"team":"a"},"images":0,"audioSeconds":0}]}
            """;
        var serializer = Sys.Serialization.FindSerializerForType(typeof(LedgerEvents.CostsRecorded));

        var restored = Assert.IsType<LedgerEvents.CostsRecorded>(
            Sys.Serialization.Deserialize(System.Text.Encoding.UTF8.GetBytes(storedV1), serializer.Identifier, "CostsRecorded.v1"));

        var cost = Assert.Single(restored.Costs);
        Assert.Equal(0.0000123m, cost.Cost);
        Assert.Equal("key_1", cost.KeyId);
        Assert.Equal("a", cost.Tags!["team"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 1, TimeSpan.Zero), cost.FinishedAt);
    }

    [Fact]
    public void CostsRecorded_WithCompactBatchesOff_IsWrittenAsV1_WhichNodesFromBeforeV2Read_AndV2StillReads()
    {
        var upgrading = new ActorRelaySerializer((ExtendedActorSystem)Sys, compactLedgerForms: false);
        var compact = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(MixedBatch);

        var bytes = upgrading.ToBinary(MixedBatch);

        Assert.Equal("CostsRecorded.v1", upgrading.Manifest(MixedBatch));
        Assert.StartsWith("""{"costs":[{"requestId":"r7",""", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Contains(""","sender":"0f1e2d3c","batchId":42}""", System.Text.Encoding.UTF8.GetString(bytes));
        var expected = System.Text.Json.JsonSerializer.Serialize(MixedBatch);
        Assert.Equal(expected, System.Text.Json.JsonSerializer.Serialize(compact.FromBinary(bytes, "CostsRecorded.v1")));
        Assert.Equal(expected, System.Text.Json.JsonSerializer.Serialize(upgrading.FromBinary(compact.ToBinary(MixedBatch), "CostsRecorded.v2")));
    }

    [Theory]
    [InlineData("""{"strings":[],"calls":[]}""")]
    [InlineData("""{"strings":["t"],"tags":[],"epoch":0,"calls":[["r",0,0,0,0,1,1,0,0,0.1,0,0,200,1,0,0,0,0,-1,-1,-1,0]]}""")]
    [InlineData("""{"strings":["t"],"tags":[],"epoch":0,"calls":[["r",0,0,0,7,1,1,0,0,0.1,0,0,200,1,0,0,0,0,-1,-1,-1,0,0]]}""")]
    public void CostsRecordedV2_MalformedBytes_AreRefusedAsSerializationErrors(string stored)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(LedgerEvents.CostsRecorded));

        Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(stored), "CostsRecorded.v2"));
    }

    [Fact]
    public void LedgerSnapshot_WithAFullWindow_IsStoredWithRawHashes_AQuarterSmallerThanV1_AndReadsBackExactly()
    {
        var snapshot = FullWindowSnapshot();
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(snapshot);
        var upgrading = new ActorRelaySerializer((ExtendedActorSystem)Sys, compactLedgerForms: false);

        var bytes = serializer.ToBinary(snapshot);
        var v1 = upgrading.ToBinary(snapshot);

        Assert.Equal("LedgerSnapshot.v2", serializer.Manifest(snapshot));
        Assert.True(bytes.Length * 4 < v1.Length * 3 + 4_096, $"{bytes.Length} bytes against {v1.Length} as LedgerSnapshot.v1");
        var restored = Assert.IsType<LedgerSnapshot>(serializer.FromBinary(bytes, "LedgerSnapshot.v2"));
        Assert.Equal(snapshot.BilledRequestIdHashes, restored.BilledRequestIdHashes);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(snapshot), System.Text.Json.JsonSerializer.Serialize(restored));
    }

    [Fact]
    public void LedgerSnapshot_WithCompactFormsOff_IsWrittenAsV1_WhichNodesFromBeforeV2Read_AndV2StillReads()
    {
        var snapshot = FullWindowSnapshot();
        var upgrading = new ActorRelaySerializer((ExtendedActorSystem)Sys, compactLedgerForms: false);
        var compact = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(snapshot);

        var bytes = upgrading.ToBinary(snapshot);

        Assert.Equal("LedgerSnapshot.v1", upgrading.Manifest(snapshot));
        Assert.StartsWith("""{"totals":""", System.Text.Encoding.UTF8.GetString(bytes));
        var expected = System.Text.Json.JsonSerializer.Serialize(snapshot);
        Assert.Equal(expected, System.Text.Json.JsonSerializer.Serialize(compact.FromBinary(bytes, "LedgerSnapshot.v1")));
        Assert.Equal(expected, System.Text.Json.JsonSerializer.Serialize(upgrading.FromBinary(compact.ToBinary(snapshot), "LedgerSnapshot.v2")));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 0, 0 })]
    [InlineData(new byte[] { 9, 0, 0, 0, (byte)'{', (byte)'}' })]
    [InlineData(new byte[] { 255, 255, 255, 255, (byte)'{', (byte)'}' })]
    [InlineData(new byte[] { 4, 0, 0, 0, (byte)'n', (byte)'u', (byte)'l', (byte)'l' })]
    public void LedgerSnapshotV2_MalformedBytes_AreRefusedAsSerializationErrors(byte[] stored)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(LedgerSnapshot));

        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(stored, "LedgerSnapshot.v2"));
    }

    /// <summary>A ledger's snapshot as it is taken under load: a full window of request-id hashes, a budget, senders.</summary>
    private static LedgerSnapshot FullWindowSnapshot() => new(
        new UsageTotals(100_000, 400_000, 1_600_000, 0, 0.93m),
        new Dictionary<string, UsageTotals> { ["bench"] = new(100_000, 400_000, 1_600_000, 0, 0.93m) },
        [],
        [new ScopedBudget(null, Budget)],
        [new ScopedSpending(null, new DateOnly(2026, 12, 7), 0.93m)],
        [new ScopedSpending(null, null, 0.93m)],
        System.Security.Cryptography.RandomNumberGenerator.GetBytes(16 * LedgerState.DeduplicationWindow),
        [new SenderBatch("0f1e2d3c", 781)]);

    private static class Serialization
    {
        public static string ManifestFor(Serializer serializer, object message) =>
            serializer is SerializerWithStringManifest withManifest ? withManifest.Manifest(message) : "";
    }
}
