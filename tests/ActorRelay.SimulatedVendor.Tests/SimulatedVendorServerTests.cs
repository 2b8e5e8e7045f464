using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class SimulatedVendorServerTests
{
    public static TheoryData<SimulatedVendorOptions> InvalidOptions =>
    [
        new SimulatedVendorOptions { FailStatus = 418 },
        new SimulatedVendorOptions { FirstTokenDelayMs = -1 },
        new SimulatedVendorOptions { TokenDelayMs = -1 },
        new SimulatedVendorOptions { ResponseTokens = -1 },
        new SimulatedVendorOptions { ResponseTokens = 100_001 },
        new SimulatedVendorOptions { DropAfterTokens = -1 },
        new SimulatedVendorOptions { Models = ["ok", " "] },
    ];

    [Fact]
    public async Task StartAsync_PortZero_BaseAddressCarriesBoundPort()
    {
        await using var server = await SimulatedVendorServer.StartAsync(new SimulatedVendorOptions(), cancellationToken: VendorHarness.Cancellation);

        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
        Assert.Equal("/", server.BaseAddress.AbsolutePath);
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseAddress, "v1/") };
        using var response = await client.GetAsync("models", VendorHarness.Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task StartAsync_InvalidOptions_ThrowsArgumentException(SimulatedVendorOptions options)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => SimulatedVendorServer.StartAsync(options, cancellationToken: VendorHarness.Cancellation));
    }

    [Fact]
    public async Task DisposeAsync_StreamStuckInDelay_EndsPromptlyAndStopsListening()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { FirstTokenDelayMs = 60_000 });
        var pending = vendor.PostChatAsync(VendorHarness.ChatBody("stuck", stream: true), completion: HttpCompletionOption.ResponseHeadersRead);
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.ActiveStreams == 1, "the stream started");
        var watch = Stopwatch.StartNew();

        await vendor.Server.DisposeAsync();

        Assert.InRange(watch.ElapsedMilliseconds, 0, 5_000);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => pending);
        Assert.False(vendor.Monitor.WasAborted("stuck"));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => vendor.Client.GetAsync("v1/models", VendorHarness.Cancellation));
    }

    [Fact]
    public void FromConfiguration_Configuration_BindsSectionAndReplacesModelList()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["SimulatedVendor:FirstTokenDelayMs"] = "5",
                ["SimulatedVendor:TokenDelayMs"] = "7",
                ["SimulatedVendor:ResponseTokens"] = "9",
                ["SimulatedVendor:FailStatus"] = "503",
                ["SimulatedVendor:DropAfterTokens"] = "2",
                ["SimulatedVendor:ApiKey"] = "sk-config",
                ["SimulatedVendor:Models:0"] = "only-model",
            })
            .Build();

        var options = SimulatedVendorOptions.FromConfiguration(configuration);

        Assert.Equal(5, options.FirstTokenDelayMs);
        Assert.Equal(7, options.TokenDelayMs);
        Assert.Equal(9, options.ResponseTokens);
        Assert.Equal(503, options.FailStatus);
        Assert.Equal(2, options.DropAfterTokens);
        Assert.Equal("sk-config", options.ApiKey);
        Assert.Equal(["only-model"], options.Models);
    }

    [Fact]
    public void FromConfiguration_EmptyConfiguration_UsesDefaults()
    {
        var options = SimulatedVendorOptions.FromConfiguration(new ConfigurationBuilder().Build());

        Assert.Equal(16, options.ResponseTokens);
        Assert.Equal(["sim-small", "sim-large"], options.Models);
        Assert.Null(options.FailStatus);
        Assert.Null(options.ApiKey);
    }
}
