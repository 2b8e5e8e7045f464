using System.Text.Json.Nodes;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Relay;

namespace ActorRelay.Gateway.Endpoints;

internal static class ChatEndpoints
{
    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/chat/completions", (HttpContext context, ChatCompletionsRelay relay) => relay.HandleAsync(context))
            .WithName("CreateChatCompletion")
            .WithTags("OpenAI")
            .WithSummary("Creates a chat completion (OpenAI protocol), streamed as server-sent events when stream is true.")
            .Accepts<JsonObject>("application/json")
            .Produces<JsonObject>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status404NotFound)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status429TooManyRequests)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status502BadGateway)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status504GatewayTimeout);
        return endpoints;
    }
}
