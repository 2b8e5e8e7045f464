namespace ActorRelay.Core.Access;

/// <summary>Events of the access directory (tenants, projects, virtual keys). A public, versioned contract.</summary>
public static class AccessEvents
{
    public sealed record TenantCreated(string TenantId, string Name, IReadOnlyDictionary<string, string> Tags, DateTimeOffset At) : IAccessEvent;

    public sealed record ProjectCreated(string TenantId, string ProjectId, string Name, IReadOnlyDictionary<string, string> Tags, DateTimeOffset At) : IAccessEvent;

    /// <summary>A key was issued. <see cref="Hash"/> is the SHA-256 of the key; the plaintext is never recorded.</summary>
    public sealed record KeyIssued(
        string KeyId,
        string TenantId,
        string? ProjectId,
        string Name,
        string Hash,
        string Display,
        IReadOnlyList<string> AllowedModels,
        DateTimeOffset? ExpiresAt,
        DateTimeOffset At,
        string? RotatedFrom = null) : IAccessEvent;

    public sealed record KeyExpirySet(string KeyId, DateTimeOffset? ExpiresAt, DateTimeOffset At) : IAccessEvent;

    public sealed record KeyModelsSet(string KeyId, IReadOnlyList<string> AllowedModels, DateTimeOffset At) : IAccessEvent;

    public sealed record KeyRevoked(string KeyId, DateTimeOffset At) : IAccessEvent;
}

/// <summary>Marker for events persisted by the access directory.</summary>
public interface IAccessEvent : IActorRelayMessage;
