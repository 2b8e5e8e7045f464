namespace ActorRelay.Core.Sse;

/// <summary>One server-sent event: its optional <c>event:</c> name and its <c>data:</c> payload (UTF-8, lines joined by LF).</summary>
public readonly record struct SseEvent(string? EventType, ReadOnlyMemory<byte> Data)
{
    private static readonly ReadOnlyMemory<byte> DoneData = "[DONE]"u8.ToArray();

    private static ReadOnlySpan<byte> DoneMarker => "[DONE]"u8;

    /// <summary>OpenAI's terminal <c>data: [DONE]</c> event.</summary>
    public static SseEvent Done => new(null, DoneData);

    /// <summary>True for OpenAI's terminal <c>data: [DONE]</c>.</summary>
    public bool IsDone => Data.Span.SequenceEqual(DoneMarker);

    /// <summary>Bytes of the event in wire format (<c>event: x\ndata: y\n\n</c>, one <c>data:</c> line per line of data).</summary>
    public int WireLength
    {
        get
        {
            var eventLine = EventType is null ? 0 : 7 + System.Text.Encoding.UTF8.GetByteCount(EventType) + 1;
            var data = Data.Span;
            var lines = 1 + data.Count((byte)'\n');
            return eventLine + data.Length + (lines * 6) + 2;
        }
    }

    /// <summary>Writes the event in wire format to a new array.</summary>
    public byte[] ToWireBytes()
    {
        var buffer = new byte[WireLength];
        WriteWire(buffer);
        return buffer;
    }

    /// <summary>Writes the event in wire format to <paramref name="destination"/> (at least <see cref="WireLength"/> bytes) and returns the bytes written.</summary>
    public int WriteWire(Span<byte> destination)
    {
        var data = Data.Span;
        var position = 0;
        if (EventType is not null)
        {
            "event: "u8.CopyTo(destination);
            position = 7;
            position += System.Text.Encoding.UTF8.GetBytes(EventType, destination[position..]);
            destination[position++] = (byte)'\n';
        }

        while (true)
        {
            "data: "u8.CopyTo(destination[position..]);
            position += 6;
            var newline = data.IndexOf((byte)'\n');
            var line = newline < 0 ? data : data[..newline];
            line.CopyTo(destination[position..]);
            position += line.Length;
            destination[position++] = (byte)'\n';
            if (newline < 0)
            {
                break;
            }

            data = data[(newline + 1)..];
        }

        destination[position++] = (byte)'\n';
        return position;
    }
}
