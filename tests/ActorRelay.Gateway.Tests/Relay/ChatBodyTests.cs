using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Relay;

namespace ActorRelay.Gateway.Tests.Relay;

public sealed class ChatBodyTests
{
    private const string Messages = """[{"role":"user","content":"hi"}]""";

    private static ChatBody Read(string json)
    {
        Assert.True(ChatBody.TryRead(Encoding.UTF8.GetBytes(json), out var body, out var error, out _), error);
        return body;
    }

    private static (string Error, string? Param) Refusal(string json)
    {
        Assert.False(ChatBody.TryRead(Encoding.UTF8.GetBytes(json), out _, out var error, out var param));
        return (error, param);
    }

    private static async Task<string> ForVendorAsync(string json, string vendorModel) => await SentAsync(Read(json).ForVendor(vendorModel));

    /// <summary>What the content sends: JSON, exactly as many bytes as it declares.</summary>
    private static async Task<string> SentAsync(HttpContent content)
    {
        var declared = content.Headers.ContentLength;
        var sent = await content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(declared, sent.Length);
        Assert.Equal("application/json", content.Headers.ContentType?.MediaType);
        return Encoding.UTF8.GetString(sent);
    }

    [Fact]
    public async Task ForVendor_NonStream_ChangesOnlyTheModelAndKeepsEveryOtherByte()
    {
        var json = $$"""{ "temperature" : 0.5, "model":"alias",  "messages":{{Messages}}, "x_vendor":{"ünïcode":"日本"}, "n":1 }""";

        var relayed = await ForVendorAsync(json, "gpt-4o-2024-08-06");

        Assert.Equal(json.Replace("\"alias\"", "\"gpt-4o-2024-08-06\""), relayed);
    }

    [Fact]
    public async Task ForVendor_AModelThatNeedsEscaping_IsWrittenAsAJsonString()
    {
        var relayed = JsonNode.Parse(await ForVendorAsync($$"""{"model":"a","messages":{{Messages}}}""", "we\"ird\\model"))!;

        Assert.Equal("we\"ird\\model", (string?)relayed["model"]);
    }

    [Theory]
    [InlineData("""{"model":"a","messages":[{"role":"user","content":"hi"}],"stream":true}""")]
    [InlineData("""{"model":"a","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{}}""")]
    [InlineData("""{"model":"a","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"x":1}}""")]
    [InlineData("""{"model":"a","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":false}}""")]
    [InlineData("""{"model":"a","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":null}""")]
    [InlineData("""{"stream_options": { "x" : [1,2] } ,"stream":true,"messages":[{"role":"user","content":"hi"}],"model":"a" }""")]
    public async Task ForVendor_Stream_AlwaysAsksForTheUsageChunk(string json)
    {
        var body = Read(json);
        var relayed = JsonNode.Parse(await SentAsync(body.ForVendor("vendor-model")))!.AsObject();

        Assert.False(body.ClientWantsUsage);
        Assert.Equal("vendor-model", (string?)relayed["model"]);
        Assert.True((bool?)relayed["stream_options"]!["include_usage"]);
        Assert.Equal("hi", (string?)relayed["messages"]![0]!["content"]);
        if (JsonNode.Parse(json)!["stream_options"] is JsonObject { Count: > 0 } options && options.ContainsKey("x"))
        {
            Assert.Equal(options["x"]!.ToJsonString(), relayed["stream_options"]!["x"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task ForVendor_StreamWhoseClientAskedForUsage_IsLeftAsItIs()
    {
        var json = $$$"""{"model":"a","messages":{{{Messages}}},"stream":true,"stream_options":{"include_usage":true}}""";
        var body = Read(json);

        Assert.True(body.ClientWantsUsage);
        Assert.Equal(json.Replace("\"a\"", "\"b\""), await SentAsync(body.ForVendor("b")));
    }

    [Fact]
    public void TryRead_ReadsTheFieldsTheRelayUses()
    {
        var body = Read($$"""{"model":"m","messages":{{Messages}},"stream":null,"max_tokens":10,"max_completion_tokens":20}""");

        Assert.Equal("m", body.Model);
        Assert.False(body.Stream);
        Assert.Equal(20, body.MaxOutputTokens);
        Assert.Equal(10, Read($$"""{"model":"m","messages":{{Messages}},"max_tokens":10,"max_completion_tokens":null}""").MaxOutputTokens);
    }

    [Theory]
    [InlineData("""{"model":"a","model":"b","messages":[{"role":"user"}]}""", "model")]
    [InlineData("""{"model":"a","messages":[{"role":"user"}],"stream":false,"stream":true}""", "stream")]
    [InlineData("""{"model":"a","messages":[{"role":"user"}],"stream_options":{"include_usage":true,"include_usage":false}}""", "stream_options.include_usage")]
    [InlineData("""{"model":"a","messages":[{"role":"user"}],"max_completion_tokens":0,"max_tokens":"5"}""", "max_tokens")]
    [InlineData("""{"model":"a","messages":[{"role":"user"}],"max_completion_tokens":2.5}""", "max_completion_tokens")]
    [InlineData("""{"model":"a","messages":[{"role":"user"},{"role":7}]}""", "messages[1].role")]
    [InlineData("""{"model":"a","messages":[{"role":"user"},[]]}""", "messages[1].role")]
    [InlineData("""{"model":"  ","messages":[{"role":"user"}]}""", "model")]
    [InlineData("""{"model":"a","messages":{}}""", "messages")]
    public void TryRead_NamesTheFieldThatIsWrong(string json, string param)
    {
        var (error, refused) = Refusal(json);

        Assert.Equal(param, refused);
        Assert.Contains(param.Split('.')[^1].Split('[')[0], error);
    }

    [Theory]
    [InlineData("""{"model":"a","messages":[{"role":"user"}]} trailing""")]
    [InlineData("""{"model":"a","messages":[{"role":"user"}],}""")]
    [InlineData("")]
    public void TryRead_MalformedJson_SaysItCouldNotParseIt(string json)
    {
        var (error, param) = Refusal(json);

        Assert.StartsWith("We could not parse the JSON body of your request", error);
        Assert.Null(param);
    }

    [Fact]
    public void TryRead_NestingDeeperThan64_IsMalformed()
    {
        var deep = string.Concat(Enumerable.Repeat("[", 70)) + string.Concat(Enumerable.Repeat("]", 70));

        Assert.StartsWith("We could not parse", Refusal($$"""{"model":"a","messages":[{"role":"user"}],"x":{{deep}}}""").Error);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    public void TryRead_AnotherValueThanAnObject_IsRefused(string json) =>
        Assert.Equal(("The request body must be a JSON object.", (string?)null), Refusal(json));
}
