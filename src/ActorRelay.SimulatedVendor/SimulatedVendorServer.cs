namespace ActorRelay.SimulatedVendor;

/// <summary>
/// An in-process simulated vendor on its own Kestrel listener. It reads no configuration, environment or
/// appsettings of the hosting process: <see cref="SimulatedVendorOptions"/> alone decide its behaviour.
/// </summary>
public sealed class SimulatedVendorServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private int disposed;

    private SimulatedVendorServer(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
        Monitor = app.Services.GetRequiredService<SimulatedVendorMonitor>();
    }

    /// <summary>
    /// The root of the bound listener, e.g. <c>http://127.0.0.1:45123/</c>; the OpenAI and Anthropic base URL is
    /// <c>BaseAddress + "v1/"</c>, the Gemini one <c>BaseAddress + "v1beta/"</c>.
    /// </summary>
    public Uri BaseAddress { get; }

    public SimulatedVendorMonitor Monitor { get; }

    /// <summary>Starts a simulator listening on <paramref name="url"/> (port 0 picks a free port).</summary>
    public static async Task<SimulatedVendorServer> StartAsync(SimulatedVendorOptions options, string url = "http://127.0.0.1:0", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        var app = SimulatedVendorHost.Build(builder, options);
        app.Urls.Add(url);
        try
        {
            await app.StartAsync(cancellationToken);
            var address = app.Urls.First(); // after start: the bound address, with the real port
            return new SimulatedVendorServer(app, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the listener; requests still in flight are aborted. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await app.StopAsync();
        await app.DisposeAsync();
    }
}
