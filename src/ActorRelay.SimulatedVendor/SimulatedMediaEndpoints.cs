using System.Text;
using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// OpenAI's non-chat endpoints, deterministic and instant: <c>POST /v1/embeddings</c> (one 8-dimension vector per input,
/// one prompt token per four characters), <c>POST /v1/images/generations</c> (<c>n</c> tiny PNGs as <c>b64_json</c>),
/// <c>POST /v1/audio/speech</c> (a WAV of 10 ms silence per input character) and <c>POST /v1/audio/transcriptions</c>
/// (multipart; the text names the file, usage is one second per 1,000 bytes of audio). Same bearer key and
/// <c>x-sim-fail</c> knob as chat completions.
/// </summary>
internal static class SimulatedMediaEndpoints
{
    /// <summary>A 1×1 transparent PNG.</summary>
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

    public static IEndpointRouteBuilder MapSimulatedMedia(this IEndpointRouteBuilder endpoints, SimulatedVendorOptions options)
    {
        endpoints.MapPost("/v1/embeddings", context => HandleAsync(context, options, EmbeddingsAsync));
        endpoints.MapPost("/v1/images/generations", context => HandleAsync(context, options, ImagesAsync));
        endpoints.MapPost("/v1/audio/speech", context => HandleAsync(context, options, SpeechAsync));
        endpoints.MapPost("/v1/audio/transcriptions", context => HandleAsync(context, options, TranscriptionAsync));
        return endpoints;
    }

    private static async Task HandleAsync(HttpContext context, SimulatedVendorOptions options, Func<HttpContext, Task> handle)
    {
        if (!await VendorResponses.AuthorizeAsync(context, options))
        {
            return;
        }

        if (int.TryParse(context.Request.Headers[SimulationPlan.FailHeader], out var fail) && fail >= 400)
        {
            await VendorResponses.WriteInjectedFailureAsync(context, fail);
            return;
        }

        await handle(context);
    }

    private static async Task<JsonElement?> JsonBodyAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("model", out _))
            {
                return document.RootElement.Clone();
            }
        }
        catch (JsonException)
        {
        }

        await VendorResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "The body must be a JSON object with a model.", "invalid_request_error");
        return null;
    }

    private static async Task EmbeddingsAsync(HttpContext context)
    {
        if (await JsonBodyAsync(context) is not { } body)
        {
            return;
        }

        var inputs = body.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Array
            ? input.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText()).ToArray()
            : [input.ValueKind == JsonValueKind.String ? input.GetString()! : input.GetRawText()];
        var model = body.GetProperty("model").GetString() ?? "embedding";
        await VendorResponses.WriteJsonAsync(context, StatusCodes.Status200OK, (inputs, model), static (writer, state) =>
        {
            var tokens = 0;
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            for (var i = 0; i < state.inputs.Length; i++)
            {
                tokens += Math.Max(1, (state.inputs[i].Length + 3) / 4);
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                writer.WriteStartArray("embedding");
                var seed = 17;
                foreach (var c in state.inputs[i])
                {
                    seed = unchecked((seed * 31) + c);
                }

                for (var d = 0; d < 8; d++)
                {
                    writer.WriteNumberValue(((seed >> d) & 0xFF) / 255.0);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("model", state.model);
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", tokens);
            writer.WriteNumber("total_tokens", tokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    private static async Task ImagesAsync(HttpContext context)
    {
        if (await JsonBodyAsync(context) is not { } body)
        {
            return;
        }

        var count = body.TryGetProperty("n", out var n) && n.TryGetInt32(out var requested) ? Math.Clamp(requested, 1, 10) : 1;
        await VendorResponses.WriteJsonAsync(context, StatusCodes.Status200OK, count, static (writer, count) =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            writer.WriteStartArray("data");
            for (var i = 0; i < count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("b64_json", Png);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static async Task SpeechAsync(HttpContext context)
    {
        if (await JsonBodyAsync(context) is not { } body)
        {
            return;
        }

        var text = body.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.String ? input.GetString()! : string.Empty;
        const int SampleRate = 8000;
        var samples = text.Length * SampleRate / 100;
        var wav = new byte[44 + samples];
        var header = wav.AsSpan();
        Encoding.ASCII.GetBytes("RIFF").CopyTo(header);
        BitConverter.TryWriteBytes(header[4..], 36 + samples);
        Encoding.ASCII.GetBytes("WAVEfmt ").CopyTo(header[8..]);
        BitConverter.TryWriteBytes(header[16..], 16);
        BitConverter.TryWriteBytes(header[20..], (short)1);
        BitConverter.TryWriteBytes(header[22..], (short)1);
        BitConverter.TryWriteBytes(header[24..], SampleRate);
        BitConverter.TryWriteBytes(header[28..], SampleRate);
        BitConverter.TryWriteBytes(header[32..], (short)1);
        BitConverter.TryWriteBytes(header[34..], (short)8);
        Encoding.ASCII.GetBytes("data").CopyTo(header[36..]);
        BitConverter.TryWriteBytes(header[40..], samples);
        wav.AsSpan(44).Fill(0x80);
        context.Response.ContentType = "audio/wav";
        context.Response.ContentLength = wav.Length;
        await context.Response.Body.WriteAsync(wav, context.RequestAborted);
    }

    private static async Task TranscriptionAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await VendorResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "The body must be multipart/form-data.", "invalid_request_error");
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form.Files.GetFile("file") is not { } file || string.IsNullOrEmpty(form["model"]))
        {
            await VendorResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "'file' and 'model' are required.", "invalid_request_error", "missing_required_parameter");
            return;
        }

        var seconds = Math.Max(1, (file.Length + 999) / 1000);
        await VendorResponses.WriteJsonAsync(context, StatusCodes.Status200OK, (file.FileName, seconds), static (writer, state) =>
        {
            writer.WriteStartObject();
            writer.WriteString("text", $"Transcript of {state.FileName}.");
            writer.WriteStartObject("usage");
            writer.WriteString("type", "duration");
            writer.WriteNumber("seconds", state.seconds);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }
}
