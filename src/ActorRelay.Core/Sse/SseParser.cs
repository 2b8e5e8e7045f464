using System.Buffers;
using System.Text;

namespace ActorRelay.Core.Sse;

/// <summary>
/// Incremental parser for the <c>text/event-stream</c> format (WHATWG HTML, server-sent events).
/// Feed it byte chunks in any split; it yields each complete event once its terminating blank line arrives.
/// Handles LF, CRLF and CR line endings, comments, multi-line data and a leading UTF-8 BOM.
/// Not thread-safe: one parser per stream.
/// </summary>
public sealed class SseParser
{
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly ArrayBufferWriter<byte> _data = new(1024);
    private string? _eventType;
    private bool _hasData;
    private bool _lastWasCarriageReturn;
    private bool _atStreamStart = true;

    /// <summary>Maximum bytes one event may hold; a longer one fails the stream rather than growing without bound.</summary>
    public int MaxEventBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Parses a chunk and appends every event it completes to <paramref name="events"/>.</summary>
    public void Parse(ReadOnlySpan<byte> chunk, List<SseEvent> events)
    {
        if (_atStreamStart && chunk.Length > 0)
        {
            _atStreamStart = false;
            if (chunk.StartsWith("\uFEFF"u8))
            {
                chunk = chunk[3..];
            }
        }

        while (!chunk.IsEmpty)
        {
            if (_lastWasCarriageReturn)
            {
                _lastWasCarriageReturn = false;
                if (chunk[0] == (byte)'\n')
                {
                    chunk = chunk[1..];
                    continue;
                }
            }

            var end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                Append(_line, chunk);
                return;
            }

            Append(_line, chunk[..end]);
            _lastWasCarriageReturn = chunk[end] == (byte)'\r';
            chunk = chunk[(end + 1)..];
            ProcessLine(_line.WrittenSpan, events);
            _line.ResetWrittenCount();
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line, List<SseEvent> events)
    {
        if (line.IsEmpty)
        {
            Dispatch(events);
            return;
        }

        if (line[0] == (byte)':')
        {
            return;
        }

        var colon = line.IndexOf((byte)':');
        var field = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? [] : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (field.SequenceEqual("data"u8))
        {
            if (_hasData)
            {
                Append(_data, "\n"u8);
            }

            Append(_data, value);
            _hasData = true;
        }
        else if (field.SequenceEqual("event"u8))
        {
            _eventType = Encoding.UTF8.GetString(value);
        }
    }

    private void Dispatch(List<SseEvent> events)
    {
        if (_hasData)
        {
            events.Add(new SseEvent(_eventType, _data.WrittenSpan.ToArray()));
        }

        _data.ResetWrittenCount();
        _hasData = false;
        _eventType = null;
    }

    private void Append(ArrayBufferWriter<byte> target, ReadOnlySpan<byte> bytes)
    {
        if (target.WrittenCount + bytes.Length > MaxEventBytes)
        {
            throw new InvalidDataException($"A server-sent event exceeded {MaxEventBytes} bytes.");
        }

        target.Write(bytes);
    }
}
