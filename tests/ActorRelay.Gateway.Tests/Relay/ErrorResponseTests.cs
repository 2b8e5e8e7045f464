using System.Net;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Relay;

/// <summary>Every failure answers an OpenAI error envelope with the right status: never a bare 500 or HTML.</summary>
public sealed class ErrorResponseTests(SharedGateway shared)
{
    private HttpClient Client => shared.Gateway.Client;

    private static async Task<JsonNode> ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("x-request-id"));
        var error = (await Chat.JsonAsync(response))["error"];
        Assert.NotNull(error);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)error["type"]));
        return error;
    }

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("[1,2,3]", null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"m-ok"}""", "messages")]
    [InlineData("""{"model":"m-ok","messages":[]}""", "messages")]
    [InlineData("""{"model":"m-ok","messages":[{"content":"no role"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m-ok","messages":[{"role":"user","content":"x"}],"stream":"yes"}""", "stream")]
    public async Task MalformedRequest_Is400InvalidRequest(string body, string? param)
    {
        using var response = await Client.SendAsync(Chat.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal(param, (string?)error["param"]);
    }

    [Fact]
    public async Task UnknownModel_Is404ModelNotFound()
    {
        using var response = await Client.SendAsync(Chat.Request("no-such-model", "hi"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", (string?)(await ErrorOf(response))["code"]);
    }

    [Theory]
    [InlineData("m-fail500", 500)]
    [InlineData("m-fail503", 503)]
    public async Task VendorServerError_Is502WithTheVendorStatus(string model, int vendorStatus)
    {
        using var response = await Client.SendAsync(Chat.Request(model, "hi"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal($"upstream_http_{vendorStatus}", (string?)error["code"]);
    }

    [Fact]
    public async Task VendorRateLimit_PassesThrough429WithRetryAfter()
    {
        using var response = await Client.SendAsync(Chat.Request("m-fail429", "hi", stream: true));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        await ErrorOf(response);
    }

    [Fact]
    public async Task VendorClientError_PassesThroughItsStatusAndBody()
    {
        using var response = await Client.SendAsync(Chat.Request("m-wrongkey", "hi"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ErrorOf(response);
    }

    [Fact]
    public async Task VendorTooSlow_Is504Timeout()
    {
        using var response = await Client.SendAsync(Chat.Request("m-slow", "hi", stream: true));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", (string?)(await ErrorOf(response))["code"]);
    }

    [Fact]
    public async Task VendorUnreachable_Is502Unreachable()
    {
        using var response = await Client.SendAsync(Chat.Request("m-dead", "hi"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unreachable", (string?)(await ErrorOf(response))["code"]);
    }

    [Fact]
    public async Task ChannelAtConcurrencyLimit_Is429WithRetryAfter()
    {
        // The gateway and its vendor are shared with other tests, so the first call is told apart by its own marker: it holds
        // the channel's one slot once the vendor has it (a first call that ended early fails the first assertion).
        var marker = $"first {Guid.NewGuid():N}";
        var first = Client.SendAsync(Chat.Request("m-narrow", marker, stream: true));
        await Eventually.TrueAsync(() => shared.Gateway.VendorMonitor.Started(marker) || first.IsCompleted, "the vendor has the first call");
        await Task.Delay(200);

        using var second = await Client.SendAsync(Chat.Request("m-narrow", "second"));
        using var firstResponse = await first;

        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("channel_concurrency_limit", (string?)(await ErrorOf(second))["code"]);
    }

    [Fact]
    public async Task UnknownPath_Is404Json()
    {
        using var response = await Client.GetAsync("/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ErrorOf(response);
    }

    [Fact]
    public async Task WrongMethod_Is405Json()
    {
        using var response = await Client.GetAsync("/v1/chat/completions");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        await ErrorOf(response);
    }
}
