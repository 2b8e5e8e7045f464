namespace ActorRelay.SimulatedVendor;

/// <summary>Builds the simulator's web application; shared by the standalone Program and <see cref="SimulatedVendorServer"/>.</summary>
internal static class SimulatedVendorHost
{
    public static WebApplication Build(WebApplicationBuilder builder, SimulatedVendorOptions options)
    {
        options.Validate();
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<SimulatedVendorMonitor>();
        var app = builder.Build();
        app.MapSimulatedVendor();
        return app;
    }
}
