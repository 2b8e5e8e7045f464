using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Access;

/// <summary>Key lifecycle through the admin API and the relay, on the shared gateway (each test its own tenant).</summary>
public sealed class VirtualKeyTests(SharedGateway shared)
{
    private RunningGateway Gateway => shared.Gateway;

    private static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..10];

    private static async Task<HttpStatusCode> CallAsync(HttpClient client, string model = "m-ok")
    {
        using var response = await client.SendAsync(Chat.Request(model, "key check"));
        await response.Content.ReadAsStringAsync();
        return response.StatusCode;
    }

    [Fact]
    public async Task IssuedKey_WorksAsBearerAndAsXApiKey_AndBillsItsTenant()
    {
        var tenant = NewTenant();
        await Gateway.CreateTenantAsync(tenant, "proj");
        var (key, _) = await Gateway.IssueKeyAsync(tenant, "proj");
        using var bearer = Gateway.ClientWithKey(key);
        using var xApiKey = Gateway.ClientWithKey(key, asXApiKey: true);

        Assert.Equal(HttpStatusCode.OK, await CallAsync(bearer));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(xApiKey));

        var usage = await Eventually.ReturnsAsync(() => Chat.UsageAsync(bearer), u => (long)u["totals"]!["requests"]! == 2, "the tenant's ledger has both calls");
        Assert.Equal(tenant, (string?)usage["tenant"]);
    }

    [Theory]
    [InlineData(null, "missing_api_key")]
    [InlineData("sk-ar-key_unknown_0000000000", "invalid_api_key")]
    public async Task MissingOrUnknownKey_Is401InOpenAiFormat(string? key, string code)
    {
        using var client = new HttpClient { BaseAddress = Gateway.BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        using var response = await client.SendAsync(Chat.Request("m-ok", "hi"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(code, (string?)(await Chat.JsonAsync(response))["error"]!["code"]);
    }

    [Fact]
    public async Task CreatedKey_IsShownOnceAndNeverListed()
    {
        var tenant = NewTenant();
        await Gateway.CreateTenantAsync(tenant);
        var (key, id) = await Gateway.IssueKeyAsync(tenant);

        var listing = await Gateway.Admin.GetStringAsync($"/admin/keys?tenant={tenant}");
        var single = await Gateway.Admin.GetStringAsync($"/admin/keys/{id}");

        Assert.Contains(id, listing);
        Assert.DoesNotContain(key, listing);
        Assert.DoesNotContain(key, single);
        Assert.DoesNotContain(key[14..], listing);
    }

    [Fact]
    public async Task Rotate_OldAndNewKeyWorkDuringGrace_ThenOnlyTheNewOne()
    {
        var tenant = NewTenant();
        await Gateway.CreateTenantAsync(tenant);
        var (oldKey, oldId) = await Gateway.IssueKeyAsync(tenant);
        using var oldClient = Gateway.ClientWithKey(oldKey);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(oldClient));

        using var rotated = await Gateway.Admin.PostAsJsonAsync($"/admin/keys/{oldId}/rotate", new { grace_seconds = 2 });
        var newKey = (string)(await Chat.JsonAsync(rotated))["key"]!;
        using var newClient = Gateway.ClientWithKey(newKey);

        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(oldClient));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(newClient));
        await Task.Delay(2500);
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(oldClient));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(newClient));
    }

    [Fact]
    public async Task Revoke_KeyStopsWorking()
    {
        var tenant = NewTenant();
        await Gateway.CreateTenantAsync(tenant);
        var (key, id) = await Gateway.IssueKeyAsync(tenant);
        using var client = Gateway.ClientWithKey(key);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(client));

        using var revoked = await Gateway.Admin.PostAsync($"/admin/keys/{id}/revoke", null);

        Assert.Equal("revoked", (string?)(await Chat.JsonAsync(revoked))["status"]);
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(client));
    }

    [Fact]
    public async Task Expiry_KeyStopsAtItsExpiry()
    {
        var tenant = NewTenant();
        await Gateway.CreateTenantAsync(tenant);
        var (key, id) = await Gateway.IssueKeyAsync(tenant, expiresAt: DateTimeOffset.UtcNow.AddSeconds(2));
        using var client = Gateway.ClientWithKey(key);

        Assert.Equal(HttpStatusCode.OK, await CallAsync(client));
        await Task.Delay(2200);
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(client));

        using var extended = await Gateway.Admin.PutAsJsonAsync($"/admin/keys/{id}/expiry", new { expires_at = (DateTimeOffset?)null });
        Assert.Equal(HttpStatusCode.OK, extended.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(client));
    }

    [Fact]
    public async Task ModelRestriction_RefusesOtherModelsWith403AndHidesThemFromModels()
    {
        var tenant = NewTenant();
        await Gateway.CreateTenantAsync(tenant);
        var (key, _) = await Gateway.IssueKeyAsync(tenant, models: ["m-ok"]);
        using var client = Gateway.ClientWithKey(key);

        Assert.Equal(HttpStatusCode.OK, await CallAsync(client, "m-ok"));
        using var refused = await client.SendAsync(Chat.Request("m-fail500", "not mine"));
        var models = JsonNode.Parse(await client.GetStringAsync("/v1/models"))!["data"]!.AsArray();

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("model_not_allowed", (string?)(await Chat.JsonAsync(refused))["error"]!["code"]);
        Assert.Equal(["m-ok"], models.Select(model => (string)model!["id"]!));
    }

    [Fact]
    public async Task AdminApi_WithoutTheAdminCredential_Is401()
    {
        using var response = await Gateway.Client.PostAsJsonAsync("/admin/tenants", new { id = NewTenant() });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_admin_key", (string?)(await Chat.JsonAsync(response))["error"]!["code"]);
    }

    [Theory]
    [InlineData("""{"id":"bad id!"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"id":"demo"}""", HttpStatusCode.Conflict)]
    public async Task AdminApi_BadTenant_IsRefusedInOpenAiFormat(string body, HttpStatusCode status)
    {
        using var response = await Gateway.Admin.PostAsync("/admin/tenants", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(status, response.StatusCode);
        Assert.NotNull((await Chat.JsonAsync(response))["error"]);
    }

    [Fact]
    public async Task IssueKey_ForUnknownTenant_Is404()
    {
        using var response = await Gateway.Admin.PostAsJsonAsync("/admin/keys", new { tenant = "no-such-tenant" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
