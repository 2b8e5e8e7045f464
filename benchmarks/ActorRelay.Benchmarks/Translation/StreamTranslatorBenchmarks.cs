using System.Text;
using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;
using BenchmarkDotNet.Attributes;

namespace ActorRelay.Benchmarks.Translation;

/// <summary>
/// Every stream translator on a typical stream (one text token per event, then finish and usage), measured per input
/// event: time (so events per second) and bytes allocated. Outbound: Anthropic and Gemini events → OpenAI chunks, and the
/// OpenAI pass-through for comparison; inbound: OpenAI chunks → Anthropic events and → Responses API events.
/// </summary>
[MemoryDiagnoser]
public class StreamTranslatorBenchmarks
{
    private const int Tokens = 256;
    private readonly List<SseEvent> _output = new(16);
    private SseEvent[] _anthropic = [];
    private SseEvent[] _gemini = [];
    private SseEvent[] _openAi = [];

    [GlobalSetup]
    public void Setup()
    {
        _anthropic = Parse(Anthropic());
        _gemini = Parse(Gemini());
        _openAi = Parse(OpenAi());
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Tokens)]
    public int OpenAiPassThrough() => Run(VendorProtocols.For(VendorProtocolKind.OpenAI).CreateStreamTranslator("m"), _openAi);

    [Benchmark(OperationsPerInvoke = Tokens)]
    public int AnthropicToOpenAi() => Run(VendorProtocols.For(VendorProtocolKind.Anthropic).CreateStreamTranslator("m"), _anthropic);

    [Benchmark(OperationsPerInvoke = Tokens)]
    public int GeminiToOpenAi() => Run(VendorProtocols.For(VendorProtocolKind.Gemini).CreateStreamTranslator("m"), _gemini);

    [Benchmark(OperationsPerInvoke = Tokens)]
    public int OpenAiToAnthropic() => Run(AnthropicInbound.CreateStreamTranslator("m"), _openAi);

    [Benchmark(OperationsPerInvoke = Tokens)]
    public int OpenAiToResponses() => Run(ResponsesInbound.CreateStreamTranslator("m"), _openAi);

    private int Run(IStreamTranslator translator, SseEvent[] input)
    {
        var bytes = 0;
        foreach (var sse in input)
        {
            _output.Clear();
            translator.Translate(sse, _output);
            foreach (var output in _output)
            {
                bytes += output.Data.Length;
            }
        }

        _output.Clear();
        translator.Complete(_output);
        return bytes + _output.Count;
    }

    private static SseEvent[] Parse(string wire)
    {
        var events = new List<SseEvent>();
        new SseParser().Parse(Encoding.UTF8.GetBytes(wire), events);
        return [.. events];
    }

    private static string Anthropic()
    {
        var wire = new StringBuilder();
        wire.Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n");
        wire.Append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for (var i = 0; i < Tokens - 4; i++)
        {
            wire.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"token").Append(i).Append(" \"}}\n\n");
        }

        wire.Append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        wire.Append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":252}}\n\n");
        return wire.Append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n").ToString();
    }

    private static string Gemini()
    {
        var wire = new StringBuilder();
        for (var i = 0; i < Tokens; i++)
        {
            wire.Append("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"token").Append(i).Append(" \"}],\"role\":\"model\"}");
            wire.Append(i == Tokens - 1 ? ",\"finishReason\":\"STOP\"" : string.Empty).Append(",\"index\":0}],");
            wire.Append("\"usageMetadata\":{\"promptTokenCount\":25,\"candidatesTokenCount\":").Append(i + 1).Append(",\"totalTokenCount\":").Append(i + 26).Append("},");
            wire.Append("\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}\r\n\r\n");
        }

        return wire.ToString();
    }

    private static string OpenAi()
    {
        var wire = new StringBuilder();
        for (var i = 0; i < Tokens - 2; i++)
        {
            wire.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",")
                .Append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token").Append(i).Append(" \"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }

        wire.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
        wire.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":254,\"total_tokens\":279}}\n\n");
        return wire.Append("data: [DONE]\n\n").ToString();
    }
}
