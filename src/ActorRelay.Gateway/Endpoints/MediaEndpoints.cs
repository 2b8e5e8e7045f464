using System.Text.Json.Nodes;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Relay;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>OpenAI's embeddings, image and audio endpoints, relayed as they are to OpenAI-compatible channels through the shared relay.</summary>
internal static class MediaEndpoints
{
    public static IEndpointRouteBuilder MapMediaEndpoints(this IEndpointRouteBuilder endpoints)
    {
        Map(endpoints, "/v1/embeddings", PassThroughOperation.Embeddings, "CreateEmbedding", "Creates embeddings of the input (priced by input tokens).", "application/json");
        Map(endpoints, "/v1/images/generations", PassThroughOperation.ImageGeneration, "CreateImage", "Generates images from a prompt (priced per image).", "application/json");
        Map(endpoints, "/v1/audio/speech", PassThroughOperation.Speech, "CreateSpeech", "Turns text into audio (priced per input character).", "application/json");
        Map(endpoints, "/v1/audio/transcriptions", PassThroughOperation.Transcription, "CreateTranscription", "Transcribes an uploaded audio file (multipart; priced per audio second).", "multipart/form-data");
        return endpoints;
    }

    private static void Map(IEndpointRouteBuilder endpoints, string path, PassThroughOperation operation, string name, string summary, string contentType) =>
        endpoints.MapPost(path, (HttpContext context, ModelRelay relay) => relay.HandleAsync(context, operation))
            .WithName(name)
            .WithTags("OpenAI")
            .WithSummary(summary)
            .Accepts<JsonObject>(contentType)
            .Produces(StatusCodes.Status200OK)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status404NotFound)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status429TooManyRequests)
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status502BadGateway);
}
