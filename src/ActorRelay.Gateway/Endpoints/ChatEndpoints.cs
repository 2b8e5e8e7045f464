using System.Text.Json.Nodes;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Relay;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>The chat endpoints of each client protocol; all of them share one relay (<see cref="ModelRelay"/>).</summary>
internal static class ChatEndpoints
{
    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder endpoints)
    {
        Map<OpenAiErrorEnvelope>(endpoints, "/v1/chat/completions", ClientProtocol.ChatCompletions, "CreateChatCompletion", "OpenAI",
            "Creates a chat completion (OpenAI protocol), streamed as server-sent events when stream is true; served by any channel type.")
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status504GatewayTimeout);
        Map<OpenAiErrorEnvelope>(endpoints, "/v1/responses", ClientProtocol.Responses, "CreateResponse", "OpenAI",
            "Creates a model response (OpenAI Responses API), streamed as typed server-sent events when stream is true; served by any channel type.");
        Map<JsonObject>(endpoints, "/v1/messages", ClientProtocol.AnthropicMessages, "CreateMessage", "Anthropic",
            "Creates a message (Anthropic Messages protocol, key in x-api-key or Authorization), streamed as Anthropic events when stream is true; served by any channel type.");
        return endpoints;
    }

    private static RouteHandlerBuilder Map<TError>(IEndpointRouteBuilder endpoints, string path, ClientProtocol protocol, string name, string tag, string summary) =>
        endpoints.MapPost(path, (HttpContext context, ModelRelay relay) => relay.HandleAsync(context, protocol))
            .WithName(name)
            .WithTags(tag)
            .WithSummary(summary)
            .Accepts<JsonObject>("application/json")
            .Produces<JsonObject>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .Produces<TError>(StatusCodes.Status400BadRequest)
            .Produces<TError>(StatusCodes.Status404NotFound)
            .Produces<TError>(StatusCodes.Status429TooManyRequests)
            .Produces<TError>(StatusCodes.Status502BadGateway);
}
