namespace ActorRelay.Core.Access;

public sealed record TenantInfo(string TenantId, string Name, IReadOnlyDictionary<string, string> Tags, DateTimeOffset CreatedAt);

public sealed record ProjectInfo(string TenantId, string ProjectId, string Name, IReadOnlyDictionary<string, string> Tags, DateTimeOffset CreatedAt);

/// <summary>One virtual key as the directory knows it (no secret).</summary>
public sealed record KeyInfo(
    string KeyId,
    string TenantId,
    string? ProjectId,
    string Name,
    string Hash,
    string Display,
    IReadOnlyList<string> AllowedModels,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    string? RotatedFrom)
{
    public KeyStatus StatusAt(DateTimeOffset now) =>
        RevokedAt is not null ? KeyStatus.Revoked
        : ExpiresAt is { } expires && expires <= now ? KeyStatus.Expired
        : KeyStatus.Active;

    public bool AllowsModel(string model) =>
        AllowedModels.Count == 0 || AllowedModels.Contains(model, StringComparer.OrdinalIgnoreCase);
}

public enum KeyStatus
{
    Active = 0,
    Expired = 1,
    Revoked = 2,
}

/// <summary>The whole directory at one version, as replicated to every node.</summary>
public sealed record AccessDirectoryView(
    long Version,
    IReadOnlyList<TenantInfo> Tenants,
    IReadOnlyList<ProjectInfo> Projects,
    IReadOnlyList<KeyInfo> Keys) : IActorRelayMessage
{
    public static readonly AccessDirectoryView Empty = new(0, [], [], []);
}
