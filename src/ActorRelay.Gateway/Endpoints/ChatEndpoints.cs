using System.Text.Json.Nodes;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Relay;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>The chat endpoints of each client protocol; all of them share one relay (<see cref="ModelRelay"/>).</summary>
internal static class ChatEndpoints
{
    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/chat/completions", (HttpContext context, ModelRelay relay) => relay.HandleAsync(context, ClientProtocol.ChatCompletions))
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

        endpoints.MapPost("/v1/responses", (HttpContext context, ModelRelay relay) => relay.HandleAsync(context, ClientProtocol.Responses))
            .WithName("CreateResponse")
            .WithTags("OpenAI")
            .WithSummary("Creates a model response (OpenAI Responses API), streamed as typed server-sent events when stream is true; served by any channel type.")
            .Accepts<JsonObject>("application/json")
            .Produces<JsonObject>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status404NotFound)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status429TooManyRequests)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status502BadGateway);

        endpoints.MapPost("/v1/messages", (HttpContext context, ModelRelay relay) => relay.HandleAsync(context, ClientProtocol.AnthropicMessages))
            .WithName("CreateMessage")
            .WithTags("Anthropic")
            .WithSummary("Creates a message (Anthropic Messages protocol, key in x-api-key or Authorization), streamed as Anthropic events when stream is true; served by any channel type.")
            .Accepts<JsonObject>("application/json")
            .Produces<JsonObject>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .Produces<JsonObject>(StatusCodes.Status400BadRequest)
            .Produces<JsonObject>(StatusCodes.Status404NotFound)
            .Produces<JsonObject>(StatusCodes.Status429TooManyRequests)
            .Produces<JsonObject>(StatusCodes.Status502BadGateway);
        return endpoints;
    }
}
