using ActorRelay.Core.Directories;

namespace ActorRelay.Core.Access;

/// <summary>
/// The access directory's state. <c>Decide*</c> methods validate a command against the state and return the
/// events to persist (or an error); <see cref="Apply"/> applies a persisted event. Pure: no clock, no I/O.
/// </summary>
public sealed class AccessState : IDirectoryState<AccessState, AccessDirectoryView, IAccessEvent>
{
    private readonly Dictionary<string, TenantInfo> _tenants = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Tenant, string Project), ProjectInfo> _projects = new();
    private readonly Dictionary<string, KeyInfo> _keys = new(StringComparer.Ordinal);

    public long Version { get; private set; }

    public bool HasTenant(string tenantId) => _tenants.ContainsKey(tenantId);

    public KeyInfo? Key(string keyId) => _keys.GetValueOrDefault(keyId);

    public AccessDirectoryView View() => new(
        Version,
        _tenants.Values.OrderBy(tenant => tenant.TenantId, StringComparer.Ordinal).ToList(),
        _projects.Values.OrderBy(project => project.TenantId, StringComparer.Ordinal).ThenBy(project => project.ProjectId, StringComparer.Ordinal).ToList(),
        _keys.Values.OrderBy(key => key.CreatedAt).ThenBy(key => key.KeyId, StringComparer.Ordinal).ToList());

    public static AccessState Restore(AccessDirectoryView view)
    {
        var state = new AccessState { Version = view.Version };
        foreach (var tenant in view.Tenants)
        {
            state._tenants[tenant.TenantId] = tenant;
        }

        foreach (var project in view.Projects)
        {
            state._projects[(project.TenantId, project.ProjectId)] = project;
        }

        foreach (var key in view.Keys)
        {
            state._keys[key.KeyId] = key;
        }

        return state;
    }

    public AccessDecision DecideCreateTenant(string tenantId, string? name, IReadOnlyDictionary<string, string>? tags, DateTimeOffset now)
    {
        if (!Ids.IsValid(tenantId))
        {
            return AccessDecision.Invalid($"Tenant id '{tenantId}' must be 1-64 characters of letters, digits, '-', '_' or '.'.");
        }

        return _tenants.ContainsKey(tenantId)
            ? AccessDecision.Conflict($"Tenant '{tenantId}' already exists.")
            : AccessDecision.Accept(new AccessEvents.TenantCreated(tenantId, name ?? tenantId, Copy(tags), now));
    }

    public AccessDecision DecideCreateProject(string tenantId, string projectId, string? name, IReadOnlyDictionary<string, string>? tags, DateTimeOffset now)
    {
        if (!_tenants.ContainsKey(tenantId))
        {
            return AccessDecision.NotFound($"Tenant '{tenantId}' does not exist.");
        }

        if (!Ids.IsValid(projectId))
        {
            return AccessDecision.Invalid($"Project id '{projectId}' must be 1-64 characters of letters, digits, '-', '_' or '.'.");
        }

        return _projects.ContainsKey((tenantId, projectId))
            ? AccessDecision.Conflict($"Project '{projectId}' already exists in tenant '{tenantId}'.")
            : AccessDecision.Accept(new AccessEvents.ProjectCreated(tenantId, projectId, name ?? projectId, Copy(tags), now));
    }

    public AccessDecision DecideIssueKey(AccessEvents.KeyIssued issue)
    {
        if (!_tenants.ContainsKey(issue.TenantId))
        {
            return AccessDecision.NotFound($"Tenant '{issue.TenantId}' does not exist.");
        }

        if (issue.ProjectId is { } project && !_projects.ContainsKey((issue.TenantId, project)))
        {
            return AccessDecision.NotFound($"Project '{project}' does not exist in tenant '{issue.TenantId}'.");
        }

        if (_keys.ContainsKey(issue.KeyId) || _keys.Values.Any(key => key.Hash == issue.Hash))
        {
            return AccessDecision.Conflict("A key with this id or secret already exists.");
        }

        return issue.ExpiresAt is { } expires && expires <= issue.At
            ? AccessDecision.Invalid("expires_at must be in the future.")
            : AccessDecision.Accept(issue);
    }

    /// <summary>Issues <paramref name="replacement"/> for the same tenant, project and models; the old key stays valid until the grace period ends.</summary>
    public AccessDecision DecideRotateKey(string keyId, string newKeyId, string newHash, string newDisplay, TimeSpan grace, DateTimeOffset now)
    {
        if (!_keys.TryGetValue(keyId, out var old))
        {
            return AccessDecision.NotFound($"Key '{keyId}' does not exist.");
        }

        if (old.StatusAt(now) != KeyStatus.Active)
        {
            return AccessDecision.Conflict($"Key '{keyId}' is {old.StatusAt(now).ToString().ToLowerInvariant()} and cannot be rotated.");
        }

        if (grace < TimeSpan.Zero)
        {
            return AccessDecision.Invalid("grace_seconds must not be negative.");
        }

        var oldEnds = old.ExpiresAt is { } expires && expires < now + grace ? expires : now + grace;
        return AccessDecision.Accept(
            new AccessEvents.KeyIssued(newKeyId, old.TenantId, old.ProjectId, old.Name, newHash, newDisplay, old.AllowedModels, old.ExpiresAt, now, keyId),
            new AccessEvents.KeyExpirySet(keyId, oldEnds, now));
    }

    public AccessDecision DecideRevokeKey(string keyId, DateTimeOffset now) =>
        !_keys.TryGetValue(keyId, out var key) ? AccessDecision.NotFound($"Key '{keyId}' does not exist.")
        : key.RevokedAt is not null ? AccessDecision.Accept()
        : AccessDecision.Accept(new AccessEvents.KeyRevoked(keyId, now));

    public AccessDecision DecideSetExpiry(string keyId, DateTimeOffset? expiresAt, DateTimeOffset now) =>
        !_keys.ContainsKey(keyId) ? AccessDecision.NotFound($"Key '{keyId}' does not exist.")
        : AccessDecision.Accept(new AccessEvents.KeyExpirySet(keyId, expiresAt, now));

    public AccessDecision DecideSetModels(string keyId, IReadOnlyList<string> models, DateTimeOffset now) =>
        !_keys.ContainsKey(keyId) ? AccessDecision.NotFound($"Key '{keyId}' does not exist.")
        : AccessDecision.Accept(new AccessEvents.KeyModelsSet(keyId, models.Distinct(StringComparer.OrdinalIgnoreCase).ToList(), now));

    public void Apply(IAccessEvent accessEvent)
    {
        switch (accessEvent)
        {
            case AccessEvents.TenantCreated created:
                _tenants[created.TenantId] = new TenantInfo(created.TenantId, created.Name, created.Tags, created.At);
                break;
            case AccessEvents.ProjectCreated created:
                _projects[(created.TenantId, created.ProjectId)] = new ProjectInfo(created.TenantId, created.ProjectId, created.Name, created.Tags, created.At);
                break;
            case AccessEvents.KeyIssued issued:
                _keys[issued.KeyId] = new KeyInfo(issued.KeyId, issued.TenantId, issued.ProjectId, issued.Name, issued.Hash, issued.Display,
                    issued.AllowedModels, issued.ExpiresAt, issued.At, null, issued.RotatedFrom);
                break;
            case AccessEvents.KeyExpirySet expiry when _keys.TryGetValue(expiry.KeyId, out var key):
                _keys[expiry.KeyId] = key with { ExpiresAt = expiry.ExpiresAt };
                break;
            case AccessEvents.KeyModelsSet models when _keys.TryGetValue(models.KeyId, out var key):
                _keys[models.KeyId] = key with { AllowedModels = models.AllowedModels };
                break;
            case AccessEvents.KeyRevoked revoked when _keys.TryGetValue(revoked.KeyId, out var key):
                _keys[revoked.KeyId] = key with { RevokedAt = revoked.At };
                break;
        }

        Version++;
    }

    private static IReadOnlyDictionary<string, string> Copy(IReadOnlyDictionary<string, string>? tags) =>
        tags is null ? new Dictionary<string, string>() : new Dictionary<string, string>(tags, StringComparer.Ordinal);
}

public enum AccessOutcome
{
    Accepted = 0,
    Invalid = 1,
    NotFound = 2,
    Conflict = 3,
}

/// <summary>The result of a directory command: the events to persist, or why not.</summary>
public sealed record AccessDecision(AccessOutcome Outcome, IReadOnlyList<IAccessEvent> Events, string? Error)
{
    public static AccessDecision Accept(params IAccessEvent[] events) => new(AccessOutcome.Accepted, events, null);

    public static AccessDecision Invalid(string error) => new(AccessOutcome.Invalid, [], error);

    public static AccessDecision NotFound(string error) => new(AccessOutcome.NotFound, [], error);

    public static AccessDecision Conflict(string error) => new(AccessOutcome.Conflict, [], error);
}

/// <summary>Identifier rules shared by tenants and projects.</summary>
public static class Ids
{
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
