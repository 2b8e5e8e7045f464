using ActorRelay.Core.Access;

namespace ActorRelay.Core.Tests.Access;

public sealed class AccessStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static (AccessState State, string Key) WithTenantAndKey(IReadOnlyList<string>? models = null, DateTimeOffset? expiresAt = null)
    {
        var state = new AccessState();
        Apply(state, state.DecideCreateTenant("acme", "Acme", new Dictionary<string, string> { ["team"] = "search" }, Now));
        Apply(state, state.DecideCreateProject("acme", "bot", null, new Dictionary<string, string> { ["line"] = "retail" }, Now));
        var (keyId, key) = ApiKeys.Generate();
        Apply(state, state.DecideIssueKey(new AccessEvents.KeyIssued(keyId, "acme", "bot", "k", ApiKeys.Hash(key), ApiKeys.Display(key), models ?? [], expiresAt, Now)));
        return (state, key);
    }

    private static void Apply(AccessState state, AccessDecision decision)
    {
        Assert.Equal(AccessOutcome.Accepted, decision.Outcome);
        foreach (var accessEvent in decision.Events)
        {
            state.Apply(accessEvent);
        }
    }

    private static KeyInfo? Check(AccessState state, string key, DateTimeOffset at, string? model, out KeyRejection rejection) =>
        new AccessSnapshot(state.View()).Authenticate(key, at, model, out rejection);

    [Fact]
    public void Authenticate_IssuedKey_ResolvesTenantProjectAndMergedTags()
    {
        var (state, key) = WithTenantAndKey();
        var snapshot = new AccessSnapshot(state.View());

        var found = snapshot.Authenticate(key, Now, "any", out _);

        Assert.Equal(("acme", "bot"), (found!.TenantId, found.ProjectId));
        Assert.Equal(new Dictionary<string, string> { ["team"] = "search", ["line"] = "retail" }, snapshot.TagsFor("acme", "bot"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sk-ar-key_nope_nope")]
    public void Authenticate_MissingOrUnknownKey_IsRejected(string key)
    {
        var (state, _) = WithTenantAndKey();

        Assert.Null(Check(state, key, Now, null, out var rejection));
        Assert.Equal(key.Length == 0 ? KeyRejection.Missing : KeyRejection.Unknown, rejection);
    }

    [Fact]
    public void View_NeverContainsThePlaintextKey()
    {
        var (state, key) = WithTenantAndKey();

        var serialized = System.Text.Json.JsonSerializer.Serialize(state.View());

        Assert.DoesNotContain(key, serialized);
        Assert.DoesNotContain(key[12..], serialized);
    }

    [Fact]
    public void Rotate_OldKeyWorksDuringGraceThenStops()
    {
        var (state, oldKey) = WithTenantAndKey();
        var oldId = state.View().Keys.Single().KeyId;
        var (newId, newKey) = ApiKeys.Generate();

        Apply(state, state.DecideRotateKey(oldId, newId, ApiKeys.Hash(newKey), ApiKeys.Display(newKey), TimeSpan.FromMinutes(10), Now));

        Assert.NotNull(Check(state, oldKey, Now.AddMinutes(9), null, out _));
        Assert.NotNull(Check(state, newKey, Now.AddMinutes(9), null, out _));
        Assert.Null(Check(state, oldKey, Now.AddMinutes(10), null, out var rejection));
        Assert.Equal(KeyRejection.Expired, rejection);
        Assert.NotNull(Check(state, newKey, Now.AddDays(30), null, out _));
        Assert.Equal(oldId, state.Key(newId)!.RotatedFrom);
    }

    [Fact]
    public void Revoke_KeyStopsImmediatelyAndCannotBeRotated()
    {
        var (state, key) = WithTenantAndKey();
        var keyId = state.View().Keys.Single().KeyId;

        Apply(state, state.DecideRevokeKey(keyId, Now));

        Assert.Null(Check(state, key, Now, null, out var rejection));
        Assert.Equal(KeyRejection.Revoked, rejection);
        Assert.Equal(AccessOutcome.Conflict, state.DecideRotateKey(keyId, "key_x", "h", "d", TimeSpan.Zero, Now).Outcome);
    }

    [Fact]
    public void Expiry_KeyStopsAtItsExpiry()
    {
        var (state, key) = WithTenantAndKey(expiresAt: Now.AddHours(1));

        Assert.NotNull(Check(state, key, Now.AddMinutes(59), null, out _));
        Assert.Null(Check(state, key, Now.AddHours(1), null, out var rejection));
        Assert.Equal(KeyRejection.Expired, rejection);
    }

    [Fact]
    public void ModelRestriction_RefusesOtherModels()
    {
        var (state, key) = WithTenantAndKey(models: ["gpt-4o-mini"]);

        Assert.NotNull(Check(state, key, Now, "GPT-4o-mini", out _));
        Assert.Null(Check(state, key, Now, "gpt-4o", out var rejection));
        Assert.Equal(KeyRejection.ModelNotAllowed, rejection);
    }

    [Fact]
    public void Decide_InvalidIdsDuplicatesAndUnknownTenants_AreRefused()
    {
        var (state, _) = WithTenantAndKey();

        Assert.Equal(AccessOutcome.Invalid, state.DecideCreateTenant("has space", null, null, Now).Outcome);
        Assert.Equal(AccessOutcome.Conflict, state.DecideCreateTenant("acme", null, null, Now).Outcome);
        Assert.Equal(AccessOutcome.NotFound, state.DecideCreateProject("ghost", "p", null, null, Now).Outcome);
        Assert.Equal(AccessOutcome.NotFound, state.DecideIssueKey(new AccessEvents.KeyIssued("key_1", "acme", "ghost-project", "k", "h", "d", [], null, Now)).Outcome);
        Assert.Equal(AccessOutcome.Invalid, state.DecideIssueKey(new AccessEvents.KeyIssued("key_2", "acme", null, "k", "h2", "d", [], Now.AddSeconds(-1), Now)).Outcome);
    }

    [Fact]
    public void Restore_FromView_IsTheSameDirectory()
    {
        var (state, key) = WithTenantAndKey();

        var restored = AccessState.Restore(state.View());

        Assert.Equal(state.Version, restored.Version);
        Assert.NotNull(Check(restored, key, Now, null, out _));
    }

    [Fact]
    public void Generate_KeysAreUniqueAndHashDeterministic()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeys.Generate().Key).ToHashSet();

        Assert.Equal(1000, keys.Count);
        Assert.All(keys, key => Assert.StartsWith(ApiKeys.Prefix, key));
        Assert.Equal(ApiKeys.Hash("abc"), ApiKeys.Hash("abc"));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeys.Hash("abc"));
    }
}
