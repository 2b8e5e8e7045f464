using System.Net;
using System.Net.Http.Headers;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class AuthenticationTests
{
    private static readonly SimulatedVendorOptions KeyedOptions = new() { ApiKey = "sk-sim-secret" };

    [Fact]
    public async Task ApiKey_Missing_Returns401WithOpenAiError()
    {
        await using var vendor = await VendorHarness.StartAsync(KeyedOptions);

        using var response = await vendor.PostChatAsync(VendorHarness.ChatBody("let me in").ToJsonString());

        await ErrorAssert.OpenAiErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_request_error", expectedCode: null);
    }

    [Theory]
    [InlineData("Bearer", "sk-sim-wrong")]
    [InlineData("Bearer", "sk-sim-secret-longer")]
    [InlineData("Basic", "sk-sim-secret")]
    public async Task ApiKey_Wrong_Returns401(string scheme, string key)
    {
        await using var vendor = await VendorHarness.StartAsync(KeyedOptions);

        using var response = await vendor.PostChatAsync(VendorHarness.ChatBody("let me in").ToJsonString(), authorization: new AuthenticationHeaderValue(scheme, key));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, vendor.Monitor.RequestsReceived);
    }

    [Fact]
    public async Task ApiKey_Correct_ServesChatAndModels()
    {
        await using var vendor = await VendorHarness.StartAsync(KeyedOptions);
        vendor.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-sim-secret");

        var answer = await vendor.CompleteAsync(VendorHarness.ChatBody("let me in"));
        using var models = await vendor.Client.GetAsync("v1/models", VendorHarness.Cancellation);

        Assert.Equal("stop", (string?)answer["choices"]![0]!["finish_reason"]);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    [Fact]
    public async Task ApiKey_MissingOnModels_Returns401()
    {
        await using var vendor = await VendorHarness.StartAsync(KeyedOptions);

        using var response = await vendor.Client.GetAsync("v1/models", VendorHarness.Cancellation);

        await ErrorAssert.OpenAiErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_request_error", expectedCode: null);
    }

    [Fact]
    public async Task ApiKey_WrongBearer_ReportsInvalidApiKeyCode()
    {
        await using var vendor = await VendorHarness.StartAsync(KeyedOptions);

        using var response = await vendor.PostChatAsync(VendorHarness.ChatBody("x").ToJsonString(), authorization: new AuthenticationHeaderValue("Bearer", "nope"));

        await ErrorAssert.OpenAiErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_request_error", "invalid_api_key");
    }
}
