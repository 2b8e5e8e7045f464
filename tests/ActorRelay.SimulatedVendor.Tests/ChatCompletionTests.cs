using System.Net;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class ChatCompletionTests
{
    [Fact]
    public async Task ChatCompletion_NonStream_ReturnsOpenAiShapeEchoingLastUserMessage()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 8 });
        var body = new JsonObject
        {
            ["model"] = "my-model",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are helpful" },
                new JsonObject { ["role"] = "user", ["content"] = "first question" },
                new JsonObject { ["role"] = "assistant", ["content"] = "an answer" },
                new JsonObject { ["role"] = "user", ["content"] = "hello there" }),
        };

        var answer = await vendor.CompleteAsync(body);

        Assert.StartsWith("chatcmpl-sim-", (string?)answer["id"], StringComparison.Ordinal);
        Assert.Equal("chat.completion", (string?)answer["object"]);
        Assert.InRange((long)answer["created"]!, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        Assert.Equal("my-model", (string?)answer["model"]);
        Assert.Equal("fp_actorrelay_sim", (string?)answer["system_fingerprint"]);
        var choice = Assert.Single(answer["choices"]!.AsArray())!;
        Assert.Equal(0, (int)choice["index"]!);
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        Assert.True(choice.AsObject().ContainsKey("logprobs"));
        Assert.Null(choice["logprobs"]);
        var message = choice["message"]!.AsObject();
        Assert.Equal("assistant", (string?)message["role"]);
        Assert.True(message.ContainsKey("refusal"));
        Assert.Null(message["refusal"]);
        Assert.Equal("You said: hello there lorem ipsum dolor sit ", (string?)message["content"]);
        var usage = answer["usage"]!;
        Assert.Equal(4 + 3 + 2 + 2 + 2, (int)usage["prompt_tokens"]!); // messages + words
        Assert.Equal(8, (int)usage["completion_tokens"]!);
        Assert.Equal(21, (int)usage["total_tokens"]!);
    }

    [Fact]
    public async Task ChatCompletion_SameRequestTwice_ReturnsSameContentAndUsageWithNewIds()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var first = await vendor.CompleteAsync(VendorHarness.ChatBody("same question"));
        var second = await vendor.CompleteAsync(VendorHarness.ChatBody("same question"));

        Assert.Equal(first["choices"]!.ToJsonString(), second["choices"]!.ToJsonString());
        Assert.Equal(first["usage"]!.ToJsonString(), second["usage"]!.ToJsonString());
        Assert.NotEqual((string?)first["id"], (string?)second["id"]);
        Assert.Equal(16, (int)first["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task ChatCompletion_ContentParts_EchoesTextPartsOnly()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 4 });
        var body = new JsonObject
        {
            ["model"] = "sim-large",
            ["messages"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "text", ["text"] = "alpha" },
                    new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "https://example.invalid/x.png" } },
                    new JsonObject { ["type"] = "text", ["text"] = "beta" }),
            }),
        };

        var answer = await vendor.CompleteAsync(body);

        Assert.Equal("You said: alpha beta ", (string?)answer["choices"]![0]!["message"]!["content"]);
        Assert.Equal(1 + 2, (int)answer["usage"]!["prompt_tokens"]!);
    }

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("max_completion_tokens")]
    public async Task ChatCompletion_MaxTokensBelowResponseTokens_TruncatesWithLength(string parameter)
    {
        await using var vendor = await VendorHarness.StartAsync();
        var body = VendorHarness.ChatBody("cap me");
        body[parameter] = 3;

        var answer = await vendor.CompleteAsync(body);

        var choice = answer["choices"]![0]!;
        Assert.Equal("length", (string?)choice["finish_reason"]);
        Assert.Equal("You said: cap ", (string?)choice["message"]!["content"]);
        Assert.Equal(3, (int)answer["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task ChatCompletion_MaxTokensAboveResponseTokens_StopsNormally()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 5 });

        var answer = await vendor.CompleteAsync(VendorHarness.ChatBody("plenty", maxTokens: 100));

        Assert.Equal("stop", (string?)answer["choices"]![0]!["finish_reason"]);
        Assert.Equal(5, (int)answer["usage"]!["completion_tokens"]!);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m"}""")]
    [InlineData("""{"model":"m","messages":[]}""")]
    [InlineData("""{"model":"m","messages":[{"content":"no role"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":42}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":0}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"yes"}""")]
    public async Task ChatCompletion_InvalidBody_Returns400WithOpenAiError(string body)
    {
        await using var vendor = await VendorHarness.StartAsync();

        using var response = await vendor.PostChatAsync(body);

        await ErrorAssert.OpenAiErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error", expectedCode: null);
    }
}
