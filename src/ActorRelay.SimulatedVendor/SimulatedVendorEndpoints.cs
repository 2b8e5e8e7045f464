namespace ActorRelay.SimulatedVendor;

/// <summary>
/// Maps the simulated routes: OpenAI <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c>, Anthropic
/// <c>POST /v1/messages</c>, Gemini <c>POST /v1beta/models/{model}:generateContent</c> and <c>:streamGenerateContent</c>, and
/// OpenAI's embeddings, image generation, speech and transcription endpoints (<see cref="SimulatedMediaEndpoints"/>).
/// </summary>
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
        endpoints.MapPost("/v1/chat/completions", new SimulatedChatEndpoint(new OpenAiDialect(), options, monitor, stopping).HandleAsync);
        endpoints.MapPost("/v1/messages", new SimulatedChatEndpoint(new AnthropicDialect(), options, monitor, stopping).HandleAsync);
        endpoints.MapPost("/v1beta/models/{model}:generateContent", new SimulatedChatEndpoint(new GeminiDialect(stream: false), options, monitor, stopping).HandleAsync);
        endpoints.MapPost("/v1beta/models/{model}:streamGenerateContent", new SimulatedChatEndpoint(new GeminiDialect(stream: true), options, monitor, stopping).HandleAsync);
        endpoints.MapSimulatedMedia(options);
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
