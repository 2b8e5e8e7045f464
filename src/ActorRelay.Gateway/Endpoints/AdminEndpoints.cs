using ActorRelay.Actors.Access;
using ActorRelay.Core.Access;
using ActorRelay.Core.Ledger;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Errors;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>
/// The admin API: tenants, projects, virtual keys and budgets. Every route needs the admin credential. Key
/// secrets are generated here, returned once, and only their hash leaves this process.
/// </summary>
internal static class AdminEndpoints
{
    private const int DefaultGraceSeconds = 3600;

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin").WithTags("Admin").AddEndpointFilter<AdminKeyFilter>();

        admin.MapPost("/tenants", CreateTenantAsync).WithSummary("Creates a tenant with free-form tags (team, business line, ...).")
            .Produces<TenantResponse>(StatusCodes.Status201Created).Produces<OpenAiErrorEnvelope>(StatusCodes.Status409Conflict);
        admin.MapGet("/tenants", (AccessCache cache) => cache.Current.View.Tenants.Select(tenant => Tenant(cache.Current, tenant)).ToList())
            .WithSummary("Lists tenants and their projects.");
        admin.MapGet("/tenants/{tenant}", GetTenantAsync).WithSummary("Describes one tenant.").Produces<TenantResponse>();
        admin.MapPost("/tenants/{tenant}/projects", CreateProjectAsync).WithSummary("Creates a project inside a tenant.")
            .Produces<ProjectResponse>(StatusCodes.Status201Created);
        admin.MapPut("/tenants/{tenant}/budget", (string tenant, BudgetRequest budget, HttpContext context, AccessCache cache, LedgerClient ledger) =>
                SetBudgetAsync(context, cache, ledger, tenant, null, budget))
            .WithSummary("Sets the tenant's budget: limit, period (monthly, weekly, daily, total) and mode (hard, soft).").Produces<BudgetsResponse>();
        admin.MapPut("/tenants/{tenant}/projects/{project}/budget", (string tenant, string project, BudgetRequest budget, HttpContext context, AccessCache cache, LedgerClient ledger) =>
                SetBudgetAsync(context, cache, ledger, tenant, project, budget))
            .WithSummary("Sets a project's budget.").Produces<BudgetsResponse>();
        admin.MapDelete("/tenants/{tenant}/budget", (string tenant, HttpContext context, AccessCache cache, LedgerClient ledger) =>
                SetBudgetAsync(context, cache, ledger, tenant, null, null))
            .WithSummary("Removes the tenant's budget.").Produces<BudgetsResponse>();
        admin.MapGet("/tenants/{tenant}/budgets", GetBudgetsAsync).WithSummary("Budget standing: spent, reserved, remaining in the current period.")
            .Produces<BudgetsResponse>();

        admin.MapPost("/keys", CreateKeyAsync).WithSummary("Issues a virtual key. The key is in this response only; it is stored as a hash.")
            .Produces<CreatedKeyResponse>(StatusCodes.Status201Created);
        admin.MapGet("/keys", (string? tenant, AccessCache cache, TimeProvider time) => cache.Current.View.Keys
                .Where(key => tenant is null || key.TenantId == tenant)
                .Select(key => KeyResponse.From(key, time.GetUtcNow())).ToList())
            .WithSummary("Lists keys (never their secrets), optionally of one tenant.");
        admin.MapGet("/keys/{id}", GetKeyAsync).WithSummary("Describes one key.").Produces<KeyResponse>();
        admin.MapPost("/keys/{id}/rotate", RotateKeyAsync)
            .WithSummary("Issues a replacement key; the old one stays valid for grace_seconds (default 3600), then stops.")
            .Produces<CreatedKeyResponse>(StatusCodes.Status201Created);
        admin.MapPost("/keys/{id}/revoke", (string id, HttpContext context, AccessDirectoryClient directory, TimeProvider time) =>
                ChangeKeyAsync(context, directory, time, id, new AccessCommands.RevokeKey(id)))
            .WithSummary("Revokes a key on every node within seconds.").Produces<KeyResponse>();
        admin.MapPut("/keys/{id}/expiry", (string id, KeyExpiryRequest body, HttpContext context, AccessDirectoryClient directory, TimeProvider time) =>
                ChangeKeyAsync(context, directory, time, id, new AccessCommands.SetKeyExpiry(id, body.ExpiresAt)))
            .WithSummary("Sets (or clears, with null) a key's expiry.").Produces<KeyResponse>();
        admin.MapPut("/keys/{id}/models", (string id, KeyModelsRequest body, HttpContext context, AccessDirectoryClient directory, TimeProvider time) =>
                ChangeKeyAsync(context, directory, time, id, new AccessCommands.SetKeyModels(id, body.Models)))
            .WithSummary("Restricts a key to a list of model aliases (empty: all models).").Produces<KeyResponse>();
        return endpoints;
    }

    private static async Task<IResult> CreateTenantAsync(CreateTenantRequest body, HttpContext context, AccessDirectoryClient directory)
    {
        var reply = await directory.SendAsync(new AccessCommands.CreateTenant(body.Id, body.Name, body.Tags), context.RequestAborted);
        if (!await AcceptedAsync(context, reply))
        {
            return Results.Empty;
        }

        var snapshot = new AccessSnapshot(reply.View);
        return Results.Created($"/admin/tenants/{body.Id}", Tenant(snapshot, snapshot.Tenant(body.Id)!));
    }

    private static async Task<IResult> GetTenantAsync(string tenant, HttpContext context, AccessCache cache)
    {
        if (cache.Current.Tenant(tenant) is { } found)
        {
            return Results.Ok(Tenant(cache.Current, found));
        }

        await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound, $"Tenant '{tenant}' does not exist.", OpenAiErrorTypes.NotFound, "tenant_not_found");
        return Results.Empty;
    }

    private static async Task<IResult> CreateProjectAsync(string tenant, CreateProjectRequest body, HttpContext context, AccessDirectoryClient directory)
    {
        var reply = await directory.SendAsync(new AccessCommands.CreateProject(tenant, body.Id, body.Name, body.Tags), context.RequestAborted);
        if (!await AcceptedAsync(context, reply))
        {
            return Results.Empty;
        }

        var project = new AccessSnapshot(reply.View).Project(tenant, body.Id)!;
        return Results.Created($"/admin/tenants/{tenant}/projects/{body.Id}", Project(project));
    }

    private static async Task<IResult> SetBudgetAsync(HttpContext context, AccessCache cache, LedgerClient ledger, string tenant, string? project, BudgetRequest? body)
    {
        if (cache.Current.Tenant(tenant) is null || (project is not null && cache.Current.Project(tenant, project) is null))
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound,
                project is null ? $"Tenant '{tenant}' does not exist." : $"Project '{project}' does not exist in tenant '{tenant}'.",
                OpenAiErrorTypes.NotFound, "not_found");
            return Results.Empty;
        }

        BudgetSpec? budget = null;
        if (body is not null)
        {
            if (body.Limit < 0
                || !Enum.TryParse<BudgetPeriod>(body.Period ?? nameof(BudgetPeriod.Monthly), ignoreCase: true, out var period) || !Enum.IsDefined(period)
                || !Enum.TryParse<BudgetMode>(body.Mode ?? nameof(BudgetMode.Hard), ignoreCase: true, out var mode) || !Enum.IsDefined(mode))
            {
                await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest,
                    "A budget needs limit >= 0, period one of monthly, weekly, daily, total, and mode hard or soft.", OpenAiErrorTypes.InvalidRequest, null);
                return Results.Empty;
            }

            budget = new BudgetSpec(body.Limit, period, mode);
        }

        var report = await ledger.SetBudgetAsync(tenant, project, budget, context.RequestAborted);
        return Results.Ok(new BudgetsResponse(tenant, report.Budgets.Select(BudgetResponse.From).ToList()));
    }

    private static async Task<IResult> GetBudgetsAsync(string tenant, HttpContext context, AccessCache cache, LedgerClient ledger)
    {
        if (cache.Current.Tenant(tenant) is null)
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound, $"Tenant '{tenant}' does not exist.", OpenAiErrorTypes.NotFound, "tenant_not_found");
            return Results.Empty;
        }

        var report = await ledger.BudgetsAsync(tenant, context.RequestAborted);
        return Results.Ok(new BudgetsResponse(tenant, report.Budgets.Select(BudgetResponse.From).ToList()));
    }

    private static async Task<IResult> CreateKeyAsync(CreateKeyRequest body, HttpContext context, AccessDirectoryClient directory, TimeProvider time)
    {
        var (keyId, key) = ApiKeys.Generate();
        var reply = await directory.SendAsync(new AccessCommands.IssueKey(
            keyId, body.Tenant, body.Project, body.Name ?? keyId, ApiKeys.Hash(key), ApiKeys.Display(key), body.Models ?? [], body.ExpiresAt), context.RequestAborted);
        return await AcceptedAsync(context, reply)
            ? Results.Created($"/admin/keys/{keyId}", new CreatedKeyResponse(key, KeyResponse.From(new AccessSnapshot(reply.View).View.Keys.Single(k => k.KeyId == keyId), time.GetUtcNow())))
            : Results.Empty;
    }

    private static async Task<IResult> GetKeyAsync(string id, HttpContext context, AccessCache cache, TimeProvider time)
    {
        if (cache.Current.View.Keys.FirstOrDefault(key => key.KeyId == id) is { } found)
        {
            return Results.Ok(KeyResponse.From(found, time.GetUtcNow()));
        }

        await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound, $"Key '{id}' does not exist.", OpenAiErrorTypes.NotFound, "key_not_found");
        return Results.Empty;
    }

    private static async Task<IResult> RotateKeyAsync(string id, RotateKeyRequest? body, HttpContext context, AccessDirectoryClient directory, TimeProvider time)
    {
        var (newKeyId, key) = ApiKeys.Generate();
        var reply = await directory.SendAsync(
            new AccessCommands.RotateKey(id, newKeyId, ApiKeys.Hash(key), ApiKeys.Display(key), body?.GraceSeconds ?? DefaultGraceSeconds), context.RequestAborted);
        return await AcceptedAsync(context, reply)
            ? Results.Created($"/admin/keys/{newKeyId}", new CreatedKeyResponse(key, KeyResponse.From(reply.View.Keys.Single(k => k.KeyId == newKeyId), time.GetUtcNow())))
            : Results.Empty;
    }

    private static async Task<IResult> ChangeKeyAsync(HttpContext context, AccessDirectoryClient directory, TimeProvider time, string id, IAccessDirectoryMessage command)
    {
        var reply = await directory.SendAsync(command, context.RequestAborted);
        return await AcceptedAsync(context, reply)
            ? Results.Ok(KeyResponse.From(reply.View.Keys.Single(key => key.KeyId == id), time.GetUtcNow()))
            : Results.Empty;
    }

    /// <summary>Writes the error of a refused directory command; true when it was accepted.</summary>
    private static async Task<bool> AcceptedAsync(HttpContext context, AccessCommands.AccessReply reply)
    {
        var status = reply.Outcome switch
        {
            AccessOutcome.Accepted => 0,
            AccessOutcome.NotFound => StatusCodes.Status404NotFound,
            AccessOutcome.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        if (status == 0)
        {
            return true;
        }

        await ErrorResponses.WriteAsync(context, status, reply.Error ?? "The request was refused.",
            status == StatusCodes.Status404NotFound ? OpenAiErrorTypes.NotFound : OpenAiErrorTypes.InvalidRequest, reply.Outcome.ToString().ToLowerInvariant());
        return false;
    }

    private static TenantResponse Tenant(AccessSnapshot snapshot, TenantInfo tenant) => new(
        tenant.TenantId, tenant.Name, tenant.Tags, tenant.CreatedAt,
        snapshot.View.Projects.Where(project => project.TenantId == tenant.TenantId).Select(Project).ToList());

    private static ProjectResponse Project(ProjectInfo project) =>
        new(project.ProjectId, project.TenantId, project.Name, project.Tags, project.CreatedAt);
}
