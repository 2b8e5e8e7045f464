using System.Net;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class ModelsEndpointTests
{
    [Fact]
    public async Task Models_Get_ListsConfiguredModelsInOpenAiShape()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { Models = ["alpha", "beta"] });

        using var response = await vendor.Client.GetAsync("v1/models", VendorHarness.Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(VendorHarness.Cancellation))!;
        Assert.Equal("list", (string?)body["object"]);
        var models = body["data"]!.AsArray();
        Assert.Equal(["alpha", "beta"], models.Select(m => (string?)m!["id"]));
        Assert.All(models, model =>
        {
            Assert.Equal("model", (string?)model!["object"]);
            Assert.Equal("actorrelay-sim", (string?)model["owned_by"]);
            Assert.Equal(1_735_689_600L, (long)model["created"]!);
        });
    }

    [Fact]
    public async Task Models_DefaultOptions_ListsSimSmallAndSimLarge()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var body = JsonNode.Parse(await vendor.Client.GetStringAsync("v1/models", VendorHarness.Cancellation))!;

        Assert.Equal(["sim-small", "sim-large"], body["data"]!.AsArray().Select(m => (string?)m!["id"]));
    }
}
