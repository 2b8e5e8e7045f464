using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRelay.SimulatedVendor;

/// <summary>The part of an OpenAI chat-completions request body the simulator reads; other fields are ignored.</summary>
internal sealed class ChatCompletionRequestDto
{
    public string? Model { get; init; }

    public List<ChatMessageDto?>? Messages { get; init; }

    public bool? Stream { get; init; }

    public StreamOptionsDto? StreamOptions { get; init; }

    public int? MaxTokens { get; init; }

    public int? MaxCompletionTokens { get; init; }

    public List<ToolDto?>? Tools { get; init; }

    /// <summary><c>"none"</c>, <c>"auto"</c>, <c>"required"</c> or a named-function object.</summary>
    public JsonElement ToolChoice { get; init; }
}

/// <summary>A chat message; <see cref="Content"/> is a string, an array of content parts, or null.</summary>
internal sealed class ChatMessageDto
{
    public string? Role { get; init; }

    public JsonElement Content { get; init; }
}

internal sealed class StreamOptionsDto
{
    public bool? IncludeUsage { get; init; }
}

internal sealed class ToolDto
{
    public FunctionDto? Function { get; init; }
}

internal sealed class FunctionDto
{
    public string? Name { get; init; }

    public JsonElement Parameters { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ChatCompletionRequestDto))]
internal sealed partial class SimulatedVendorJsonContext : JsonSerializerContext;
