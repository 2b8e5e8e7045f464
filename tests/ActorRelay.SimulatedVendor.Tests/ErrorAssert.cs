using System.Net;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

internal static class ErrorAssert
{
    /// <summary>Asserts an OpenAI error response: <c>{"error":{"message","type","param":null,"code"}}</c>.</summary>
    public static async Task OpenAiErrorAsync(HttpResponseMessage response, HttpStatusCode status, string expectedType, string? expectedCode)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(VendorHarness.Cancellation))!["error"]!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.Equal(expectedType, (string?)error["type"]);
        Assert.True(error.ContainsKey("param"));
        Assert.Null(error["param"]);
        Assert.True(error.ContainsKey("code"));
        Assert.Equal(expectedCode, (string?)error["code"]);
    }
}
