using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Translation;

/// <summary>Embeddings, image generation, speech and transcription relayed to an OpenAI-type channel, each priced in its own unit.</summary>
public sealed class MediaEndpointTests : IAsyncLifetime
{
    private readonly string _database = RunningGateway.NewDatabasePath();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_database);
        return ValueTask.CompletedTask;
    }

    private static HttpRequestMessage Json(string path, JsonObject body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    [Fact]
    public async Task EveryMediaEndpoint_AnswersAsTheVendorDoes_AndIsBilledInItsUnit()
    {
        await using var gateway = await RunningGateway.StartAsync(_database);
        var client = gateway.Client;

        using var embeddings = await client.SendAsync(Json("/v1/embeddings", new JsonObject { ["model"] = "m-embed", ["input"] = new JsonArray("first text", "second text") }));
        var vectors = await Chat.JsonAsync(embeddings);
        Assert.Equal(HttpStatusCode.OK, embeddings.StatusCode);
        Assert.Equal(2, vectors["data"]!.AsArray().Count);
        Assert.Equal("sim-embed", (string?)vectors["model"]);
        var embedTokens = (long)vectors["usage"]!["prompt_tokens"]!;

        using var images = await client.SendAsync(Json("/v1/images/generations", new JsonObject { ["model"] = "m-image", ["prompt"] = "a relay", ["n"] = 2 }));
        Assert.Equal(2, (await Chat.JsonAsync(images))["data"]!.AsArray().Count);

        const string Speech = "Hello from the relay.";
        using var speech = await client.SendAsync(Json("/v1/audio/speech", new JsonObject { ["model"] = "m-tts", ["input"] = Speech, ["voice"] = "alloy" }));
        var audio = await speech.Content.ReadAsByteArrayAsync();
        Assert.Equal("audio/wav", speech.Content.Headers.ContentType?.MediaType);
        Assert.Equal("RIFF"u8.ToArray(), audio[..4]);

        using var form = new MultipartFormDataContent
        {
            { new StringContent("m-whisper"), "model" },
            { new ByteArrayContent(new byte[2500]) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } }, "file", "hello.wav" },
        };
        using var transcription = await client.PostAsync("/v1/audio/transcriptions", form);
        var transcript = await Chat.JsonAsync(transcription);
        Assert.Equal("Transcript of hello.wav.", (string?)transcript["text"]);
        Assert.Equal(3, (int)transcript["usage"]!["seconds"]!);

        var report = await Eventually.ReturnsAsync(() => Chat.UsageAsync(client), usage => (long)usage["totals"]!["requests"]! == 4, "four calls billed");
        var models = report["models"]!;
        Assert.Equal(embedTokens * 0.02m / 1_000_000m, (decimal)models["m-embed"]!["cost"]!);
        Assert.Equal(2 * 0.04m, (decimal)models["m-image"]!["cost"]!);
        Assert.Equal(Speech.Length * 15m / 1_000_000m, (decimal)models["m-tts"]!["cost"]!);
        Assert.Equal(3 * 0.0001m, (decimal)models["m-whisper"]!["cost"]!);
    }

    [Fact]
    public async Task MediaEndpoints_AnswerOpenAiErrors()
    {
        await using var gateway = await RunningGateway.StartAsync(_database);

        using var noInput = await gateway.Client.SendAsync(Json("/v1/embeddings", new JsonObject { ["model"] = "m-embed" }));
        Assert.Equal(HttpStatusCode.BadRequest, noInput.StatusCode);
        Assert.Equal("input", (string?)(await Chat.JsonAsync(noInput))["error"]!["param"]);

        using var notOpenAi = await gateway.Client.SendAsync(Json("/v1/embeddings", new JsonObject { ["model"] = "m-embed-anthropic", ["input"] = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, notOpenAi.StatusCode);
        Assert.Equal("unsupported_by_channel", (string?)(await Chat.JsonAsync(notOpenAi))["error"]!["code"]);

        using var noFile = new MultipartFormDataContent { { new StringContent("m-whisper"), "model" } };
        using var missingFile = await gateway.Client.PostAsync("/v1/audio/transcriptions", noFile);
        Assert.Equal(HttpStatusCode.BadRequest, missingFile.StatusCode);
        Assert.Equal("file", (string?)(await Chat.JsonAsync(missingFile))["error"]!["param"]);

        using var failing = await gateway.Client.SendAsync(Json("/v1/embeddings", new JsonObject { ["model"] = "m-fail429", ["input"] = "x" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, failing.StatusCode);
        Assert.Equal("rate_limit_exceeded", (string?)(await Chat.JsonAsync(failing))["error"]!["code"]);
    }
}
