using System.Text.Json.Serialization;
using ActorRelay.Core.Access;
using ActorRelay.Core.Ledger;

namespace ActorRelay.Gateway.Endpoints;

public sealed record CreateTenantRequest(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("tags")] Dictionary<string, string>? Tags);

public sealed record CreateProjectRequest(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("tags")] Dictionary<string, string>? Tags);

public sealed record CreateKeyRequest(
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("project")] string? Project,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("models")] List<string>? Models,
    [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt);

public sealed record RotateKeyRequest([property: JsonPropertyName("grace_seconds")] int? GraceSeconds);

public sealed record KeyExpiryRequest([property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt);

public sealed record KeyModelsRequest([property: JsonPropertyName("models")] List<string> Models);

public sealed record BudgetRequest(
    [property: JsonPropertyName("limit")] decimal Limit,
    [property: JsonPropertyName("period")] string? Period,
    [property: JsonPropertyName("mode")] string? Mode);

public sealed record TenantResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tags")] IReadOnlyDictionary<string, string> Tags,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("projects")] IReadOnlyList<ProjectResponse> Projects);

public sealed record ProjectResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tags")] IReadOnlyDictionary<string, string> Tags,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt);

/// <summary>A key as listed: never its secret.</summary>
public sealed record KeyResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("project")] string? Project,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("display")] string Display,
    [property: JsonPropertyName("models")] IReadOnlyList<string> Models,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("revoked_at")] DateTimeOffset? RevokedAt,
    [property: JsonPropertyName("rotated_from")] string? RotatedFrom)
{
    public static KeyResponse From(KeyInfo key, DateTimeOffset now) => new(
        key.KeyId, key.TenantId, key.ProjectId, key.Name, key.Display, key.AllowedModels,
        key.StatusAt(now).ToString().ToLowerInvariant(), key.ExpiresAt, key.CreatedAt, key.RevokedAt, key.RotatedFrom);
}

/// <summary>The answer to creating or rotating a key: the only time its plaintext is ever shown.</summary>
public sealed record CreatedKeyResponse(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("details")] KeyResponse Details);

public sealed record BudgetResponse(
    [property: JsonPropertyName("project")] string? Project,
    [property: JsonPropertyName("limit")] decimal Limit,
    [property: JsonPropertyName("period")] string Period,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("period_start")] DateTimeOffset PeriodStart,
    [property: JsonPropertyName("period_end")] DateTimeOffset PeriodEnd,
    [property: JsonPropertyName("spent")] decimal Spent,
    [property: JsonPropertyName("reserved")] decimal Reserved,
    [property: JsonPropertyName("remaining")] decimal Remaining)
{
    public static BudgetResponse From(BudgetStatus status) => new(
        status.ProjectId, status.Budget.Limit, status.Budget.Period.ToString().ToLowerInvariant(), status.Budget.Mode.ToString().ToLowerInvariant(),
        status.PeriodStart, status.PeriodEnd, status.Spent, status.Reserved, status.Remaining);
}

public sealed record BudgetsResponse(
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("budgets")] IReadOnlyList<BudgetResponse> Budgets);
