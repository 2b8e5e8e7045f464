using System.Collections.Frozen;

namespace ActorRelay.Core.Access;

/// <summary>Why a presented key was refused.</summary>
public enum KeyRejection
{
    Missing = 0,
    Unknown = 1,
    Revoked = 2,
    Expired = 3,
    ModelNotAllowed = 4,
}

/// <summary>
/// The node-local, immutable view of the directory that the hot path reads: one hash lookup per request, no
/// database round trip. Replaced as a whole when a newer directory version arrives.
/// </summary>
public sealed class AccessSnapshot
{
    private readonly FrozenDictionary<string, KeyInfo>.AlternateLookup<ReadOnlySpan<char>> _keysByHash;
    private readonly FrozenDictionary<string, TenantInfo> _tenants;
    private readonly FrozenDictionary<(string, string), ProjectInfo> _projects;

    public AccessSnapshot(AccessDirectoryView view)
    {
        View = view;
        _keysByHash = view.Keys.ToFrozenDictionary(key => key.Hash, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _tenants = view.Tenants.ToFrozenDictionary(tenant => tenant.TenantId, StringComparer.Ordinal);
        _projects = view.Projects.ToFrozenDictionary(project => (project.TenantId, project.ProjectId));
    }

    public static AccessSnapshot Empty { get; } = new(AccessDirectoryView.Empty);

    public AccessDirectoryView View { get; }

    public long Version => View.Version;

    public TenantInfo? Tenant(string tenantId) => _tenants.GetValueOrDefault(tenantId);

    public ProjectInfo? Project(string tenantId, string projectId) => _projects.GetValueOrDefault((tenantId, projectId));

    /// <summary>
    /// Checks a presented key (empty when none was presented) at <paramref name="now"/>; <paramref name="model"/> is
    /// checked when given. The key's hash is looked up without becoming a string.
    /// </summary>
    public KeyInfo? Authenticate(ReadOnlySpan<char> presentedKey, DateTimeOffset now, string? model, out KeyRejection rejection)
    {
        rejection = KeyRejection.Missing;
        if (presentedKey.IsEmpty)
        {
            return null;
        }

        Span<char> hash = stackalloc char[ApiKeys.HashLength];
        ApiKeys.WriteHash(presentedKey, hash);
        if (!_keysByHash.TryGetValue(hash, out var key))
        {
            rejection = KeyRejection.Unknown;
            return null;
        }

        switch (key.StatusAt(now))
        {
            case KeyStatus.Revoked:
                rejection = KeyRejection.Revoked;
                return null;
            case KeyStatus.Expired:
                rejection = KeyRejection.Expired;
                return null;
        }

        if (model is not null && !key.AllowsModel(model))
        {
            rejection = KeyRejection.ModelNotAllowed;
            return null;
        }

        return key;
    }

    /// <summary>The tenant's and project's tags merged (project wins), as recorded on ledger events.</summary>
    public IReadOnlyDictionary<string, string> TagsFor(string tenantId, string? projectId)
    {
        var tenantTags = Tenant(tenantId)?.Tags;
        var projectTags = projectId is null ? null : Project(tenantId, projectId)?.Tags;
        if (projectTags is not { Count: > 0 })
        {
            return tenantTags ?? FrozenDictionary<string, string>.Empty;
        }

        var merged = new Dictionary<string, string>(tenantTags ?? FrozenDictionary<string, string>.Empty, StringComparer.Ordinal);
        foreach (var (tag, value) in projectTags)
        {
            merged[tag] = value;
        }

        return merged;
    }
}
