namespace ActorRelay.Core.Sse;

/// <summary>One server-sent event: its optional <c>event:</c> name and its <c>data:</c> payload (UTF-8, lines joined by LF).</summary>
public readonly record struct SseEvent(string? EventType, ReadOnlyMemory<byte> Data)
{
    private static ReadOnlySpan<byte> DoneMarker => "[DONE]"u8;

    /// <summary>True for OpenAI's terminal <c>data: [DONE]</c>.</summary>
    public bool IsDone => Data.Span.SequenceEqual(DoneMarker);

    /// <summary>Writes the event in wire format (<c>event: x\ndata: y\n\n</c>) to a new array.</summary>
    public byte[] ToWireBytes()
    {
        var eventLine = EventType is null ? 0 : 7 + System.Text.Encoding.UTF8.GetByteCount(EventType) + 1;
        var data = Data.Span;
        var lines = 1 + data.Count((byte)'\n');
        var buffer = new byte[eventLine + data.Length + (lines * 6) + 2];
        var span = buffer.AsSpan();
        var position = 0;
        if (EventType is not null)
        {
            "event: "u8.CopyTo(span);
            position = 7;
            position += System.Text.Encoding.UTF8.GetBytes(EventType, span[position..]);
            span[position++] = (byte)'\n';
        }

        while (true)
        {
            "data: "u8.CopyTo(span[position..]);
            position += 6;
            var newline = data.IndexOf((byte)'\n');
            var line = newline < 0 ? data : data[..newline];
            line.CopyTo(span[position..]);
            position += line.Length;
            span[position++] = (byte)'\n';
            if (newline < 0)
            {
                break;
            }

            data = data[(newline + 1)..];
        }

        span[position] = (byte)'\n';
        return buffer;
    }
}
