using System.Net;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class MonitorTests
{
    [Fact]
    public async Task Monitor_StreamInProgress_TokensWrittenGrowsUntilCompleted()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 10, TokenDelayMs = 30 });
        const string Marker = "watch me grow";

        using var response = await vendor.PostChatAsync(VendorHarness.ChatBody(Marker, stream: true), completion: HttpCompletionOption.ResponseHeadersRead);
        using var events = new SseLineReader(await response.Content.ReadAsStreamAsync(VendorHarness.Cancellation));
        await events.NextAsync(); // role
        await events.NextAsync(); // token 1
        await events.NextAsync(); // token 2
        var early = vendor.Monitor.TokensWritten(Marker);
        Assert.Equal(1, vendor.Monitor.ActiveStreams);
        Assert.False(vendor.Monitor.Completed(Marker));
        while (await events.NextAsync() is { } payload && payload != "[DONE]")
        {
            // drain to the end
        }

        Assert.InRange(early, 2, 9);
        Assert.Equal(10, vendor.Monitor.TokensWritten(Marker));
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.Completed(Marker), "the stream is completed");
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.ActiveStreams == 0, "no stream is active");
        Assert.False(vendor.Monitor.WasAborted(Marker));
        Assert.Equal(1, vendor.Monitor.RequestsReceived);
    }

    [Fact]
    public async Task Monitor_ClientDisposesMidStream_WasAbortedAndStreamStops()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 1_000, TokenDelayMs = 20 });
        const string Marker = "walk away";

        var response = await vendor.PostChatAsync(VendorHarness.ChatBody(Marker, stream: true), completion: HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new SseLineReader(await response.Content.ReadAsStreamAsync(VendorHarness.Cancellation));
        await events.NextAsync(); // role
        await events.NextAsync(); // token 1
        events.Dispose();
        response.Dispose();

        await VendorHarness.EventuallyAsync(() => vendor.Monitor.WasAborted(Marker), "the vendor saw the abort");
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.ActiveStreams == 0, "the stream ended");
        var written = vendor.Monitor.TokensWritten(Marker);
        await Task.Delay(100, VendorHarness.Cancellation);
        Assert.Equal(written, vendor.Monitor.TokensWritten(Marker));
        Assert.InRange(written, 1, 999);
        Assert.False(vendor.Monitor.Completed(Marker));
    }

    [Fact]
    public async Task Monitor_ClientLeavesDuringFirstTokenDelay_WasAborted()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { FirstTokenDelayMs = 60_000 });
        const string Marker = "never mind";
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(VendorHarness.Cancellation);
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(VendorHarness.ChatBody(Marker, stream: true).ToJsonString()),
        };

        Assert.False(vendor.Monitor.Started(Marker));
        var pending = vendor.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token);
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.ActiveStreams == 1, "the stream started");
        Assert.True(vendor.Monitor.Started(Marker));
        await leave.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.WasAborted(Marker), "the vendor saw the abort");
        Assert.Equal(0, vendor.Monitor.TokensWritten(Marker));
    }

    [Fact]
    public async Task Monitor_ClientNotReading_StreamStallsOnBackpressureUntilRead()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 100_000 });
        const string Marker = "read me slowly";

        using var response = await vendor.PostChatAsync(VendorHarness.ChatBody(Marker, stream: true), completion: HttpCompletionOption.ResponseHeadersRead);
        var stalledAt = await WaitUntilStalledAsync(() => vendor.Monitor.TokensWritten(Marker));

        Assert.InRange(stalledAt, 1, 99_999);
        Assert.False(vendor.Monitor.Completed(Marker));
        var body = await response.Content.ReadAsStringAsync(VendorHarness.Cancellation);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.Completed(Marker), "the stream completes once read");
        Assert.Equal(100_000, vendor.Monitor.TokensWritten(Marker));
    }

    [Fact]
    public void Monitor_UnknownMarker_ReportsNothing()
    {
        var monitor = new SimulatedVendorMonitor();

        Assert.Equal(0, monitor.TokensWritten("unknown"));
        Assert.False(monitor.WasAborted("unknown"));
        Assert.False(monitor.Completed("unknown"));
        Assert.Equal(0, monitor.RequestsReceived);
        Assert.Equal(0, monitor.ActiveStreams);
    }

    [Fact]
    public void Monitor_MoreStreamsThanTracked_ForgetsOldestMarkers()
    {
        var monitor = new SimulatedVendorMonitor();
        for (var i = 0; i <= SimulatedVendorMonitor.MaxTrackedStreams; i++)
        {
            monitor.StreamStarted($"stream {i}").TokenWritten();
            monitor.StreamEnded();
        }

        Assert.Equal(0, monitor.TokensWritten("stream 0"));
        Assert.Equal(1, monitor.TokensWritten("stream 1"));
        Assert.Equal(1, monitor.TokensWritten($"stream {SimulatedVendorMonitor.MaxTrackedStreams}"));
        Assert.Equal(0, monitor.ActiveStreams);
    }

    [Fact]
    public void Monitor_SameMarkerRestarted_TracksLatestStream()
    {
        var monitor = new SimulatedVendorMonitor();
        var first = monitor.StreamStarted("again");
        first.TokenWritten();
        first.MarkCompleted();

        monitor.StreamStarted("again");

        Assert.Equal(0, monitor.TokensWritten("again"));
        Assert.False(monitor.Completed("again"));
        Assert.Equal(2, monitor.ActiveStreams);
    }

    /// <summary>Waits until a growing counter stops moving for 100 ms and returns where it stopped.</summary>
    private static async Task<long> WaitUntilStalledAsync(Func<long> counter)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        long previous;
        var current = counter();
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the vendor to stall.");
            previous = current;
            await Task.Delay(100, VendorHarness.Cancellation);
            current = counter();
        }
        while (current == 0 || current != previous);

        return current;
    }
}
