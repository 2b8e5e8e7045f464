using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ActorRelay.Gateway.Tests.Infrastructure;

/// <summary>The admin API as an operator script would use it.</summary>
public static class AdminApi
{
    public static async Task CreateTenantAsync(this RunningGateway gateway, string tenant, string? project = null, Dictionary<string, string>? tags = null)
    {
        using var created = await gateway.Admin.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = tenant, tags = tags ?? new Dictionary<string, string> { ["team"] = "t-" + tenant } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        if (project is not null)
        {
            using var createdProject = await gateway.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/projects", new { id = project, tags = new Dictionary<string, string> { ["line"] = "l-" + project } });
            Assert.Equal(HttpStatusCode.Created, createdProject.StatusCode);
        }
    }

    /// <summary>Issues a key; returns its plaintext and id.</summary>
    public static async Task<(string Key, string Id)> IssueKeyAsync(this RunningGateway gateway, string tenant, string? project = null, string[]? models = null, DateTimeOffset? expiresAt = null)
    {
        using var response = await gateway.Admin.PostAsJsonAsync("/admin/keys", new { tenant, project, models, expires_at = expiresAt });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Chat.JsonAsync(response);
        return ((string)body["key"]!, (string)body["details"]!["id"]!);
    }

    public static HttpClient ClientWithKey(this RunningGateway gateway, string key, bool asXApiKey = false)
    {
        var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (asXApiKey)
        {
            client.DefaultRequestHeaders.Add("x-api-key", key);
        }
        else
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public static async Task<JsonNode> SetBudgetAsync(this RunningGateway gateway, string tenant, decimal limit, string mode = "hard", string period = "monthly", string? project = null)
    {
        var path = project is null ? $"/admin/tenants/{tenant}/budget" : $"/admin/tenants/{tenant}/projects/{project}/budget";
        using var response = await gateway.Admin.PutAsJsonAsync(path, new { limit, period, mode });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Chat.JsonAsync(response);
    }
}
