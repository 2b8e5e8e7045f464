using ActorRelay.Core;
using ActorRelay.Core.Access;

namespace ActorRelay.Actors.Access;

/// <summary>A message for the access directory (one entity for the whole cluster).</summary>
public interface IAccessDirectoryMessage : IActorRelayMessage;

/// <summary>
/// Commands change the directory and reply <see cref="AccessReply"/> after persisting. Secrets never travel:
/// keys arrive as their SHA-256 hash, generated on the node that returns the plaintext once.
/// </summary>
public static class AccessCommands
{
    public sealed record CreateTenant(string TenantId, string? Name, IReadOnlyDictionary<string, string>? Tags) : IAccessDirectoryMessage;

    public sealed record CreateProject(string TenantId, string ProjectId, string? Name, IReadOnlyDictionary<string, string>? Tags) : IAccessDirectoryMessage;

    public sealed record IssueKey(
        string KeyId,
        string TenantId,
        string? ProjectId,
        string Name,
        string Hash,
        string Display,
        IReadOnlyList<string> AllowedModels,
        DateTimeOffset? ExpiresAt) : IAccessDirectoryMessage;

    public sealed record RotateKey(string KeyId, string NewKeyId, string NewHash, string NewDisplay, int GraceSeconds) : IAccessDirectoryMessage;

    public sealed record RevokeKey(string KeyId) : IAccessDirectoryMessage;

    public sealed record SetKeyExpiry(string KeyId, DateTimeOffset? ExpiresAt) : IAccessDirectoryMessage;

    public sealed record SetKeyModels(string KeyId, IReadOnlyList<string> AllowedModels) : IAccessDirectoryMessage;

    /// <summary>The outcome and the directory as it is after the command.</summary>
    public sealed record AccessReply(AccessOutcome Outcome, string? Error, AccessDirectoryView View) : IActorRelayMessage;
}

public static class AccessQueries
{
    /// <summary>Replies the directory when it is newer than <paramref name="KnownVersion"/>, else <see cref="DirectoryUnchanged"/>.</summary>
    public sealed record GetDirectory(long KnownVersion) : IAccessDirectoryMessage;

    public sealed record DirectoryUnchanged(long Version) : IActorRelayMessage;
}
