namespace ActorRelay.SimulatedVendor;

/// <summary>Maps the simulated OpenAI routes: <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c>.</summary>
public static class SimulatedVendorEndpoints
{
    /// <summary>
    /// Maps the routes. <see cref="SimulatedVendorOptions"/> and <see cref="SimulatedVendorMonitor"/> must be registered
    /// as singletons; in-flight requests end when the host stops.
    /// </summary>
    public static IEndpointRouteBuilder MapSimulatedVendor(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<SimulatedVendorOptions>();
        options.Validate();
        var monitor = services.GetRequiredService<SimulatedVendorMonitor>();
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        endpoints.MapGet("/v1/models", context => ListModelsAsync(context, options));
        endpoints.MapPost("/v1/chat/completions", new ChatCompletionsEndpoint(options, monitor, stopping).HandleAsync);
        return endpoints;
    }

    private static async Task ListModelsAsync(HttpContext context, SimulatedVendorOptions options)
    {
        if (await VendorResponses.AuthorizeAsync(context, options))
        {
            await VendorResponses.WriteJsonAsync(context, StatusCodes.Status200OK, options.Models, static (writer, models) => OpenAiJson.WriteModels(writer, models));
        }
    }
}
