using System.Buffers;
using System.Text;

namespace ActorRelay.Core.Sse;

/// <summary>
/// Incremental parser for the <c>text/event-stream</c> format (WHATWG HTML, server-sent events).
/// Feed it byte chunks in any split; it yields each complete event once its terminating blank line arrives.
/// Handles LF, CRLF and CR line endings, comments, multi-line data and a leading UTF-8 BOM.
/// An event whose one <c>data:</c> line lies whole in the chunk that completes it is not copied: its
/// <see cref="SseEvent.Data"/> points into that chunk, so a caller that reuses its read buffer is done with the events
/// of one chunk before it reads the next into the same memory. Any other event's data is the parser's copy.
/// Not thread-safe: one parser per stream.
/// </summary>
public sealed class SseParser
{
    /// <summary>A line split across chunks, gathered (made at the first such line: most events are whole in one chunk).</summary>
    private ArrayBufferWriter<byte>? _line;

    /// <summary>The open event's data, copied (made at the first event that needs a copy: <see cref="Data"/>).</summary>
    private ArrayBufferWriter<byte>? _data;
    private string? _eventType;
    private bool _hasData;

    /// <summary>The open event's one data line, still in the caller's chunk (<see cref="_borrowing"/>) rather than in <see cref="_data"/>.</summary>
    private ReadOnlyMemory<byte> _borrowed;
    private bool _borrowing;
    private bool _lastWasCarriageReturn;
    private bool _atStreamStart = true;

    /// <summary>Maximum bytes one event may hold; a longer one fails the stream rather than growing without bound.</summary>
    public int MaxEventBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Parses a chunk and appends every event it completes to <paramref name="events"/>. Their data may point into
    /// <paramref name="chunk"/> (see the class summary); nothing of the chunk is kept for later calls.
    /// </summary>
    public void Parse(ReadOnlyMemory<byte> chunk, List<SseEvent> events)
    {
        if (_atStreamStart && chunk.Length > 0)
        {
            _atStreamStart = false;
            if (chunk.Span.StartsWith("\uFEFF"u8))
            {
                chunk = chunk[3..];
            }
        }

        while (!chunk.IsEmpty)
        {
            var span = chunk.Span;
            if (_lastWasCarriageReturn)
            {
                _lastWasCarriageReturn = false;
                if (span[0] == (byte)'\n')
                {
                    chunk = chunk[1..];
                    continue;
                }
            }

            var end = span.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                Append(_line ??= new(512), span);
                break;
            }

            _lastWasCarriageReturn = span[end] == (byte)'\r';
            if (_line is not { WrittenCount: > 0 })
            {
                // The whole line is in this chunk: read it where it lies.
                ProcessLine(chunk[..end], borrowed: true, events);
            }
            else
            {
                Append(_line, span[..end]);
                ProcessLine(_line.WrittenMemory, borrowed: false, events);
                _line.ResetWrittenCount();
            }

            chunk = chunk[(end + 1)..];
        }

        // The chunk's memory is the caller's again after this call: an event still open keeps its own copy.
        CopyBorrowed();
    }

    private void ProcessLine(ReadOnlyMemory<byte> line, bool borrowed, List<SseEvent> events)
    {
        var span = line.Span;
        if (span.IsEmpty)
        {
            Dispatch(events);
            return;
        }

        if (span[0] == (byte)':')
        {
            return;
        }

        var colon = span.IndexOf((byte)':');
        var field = colon < 0 ? span : span[..colon];
        var value = colon < 0 ? ReadOnlyMemory<byte>.Empty : line[(colon + 1)..];
        if (!value.IsEmpty && value.Span[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (field.SequenceEqual("data"u8))
        {
            AddData(value, borrowed);
        }
        else if (field.SequenceEqual("event"u8))
        {
            _eventType = Encoding.UTF8.GetString(value.Span);
        }
    }

    private void AddData(ReadOnlyMemory<byte> value, bool borrowed)
    {
        if (!_hasData && borrowed)
        {
            if (value.Length > MaxEventBytes)
            {
                throw TooLarge();
            }

            _borrowed = value;
            _borrowing = true;
            _hasData = true;
            return;
        }

        CopyBorrowed();
        if (_hasData)
        {
            Append(Data, "\n"u8);
        }

        Append(Data, value.Span);
        _hasData = true;
    }

    private ArrayBufferWriter<byte> Data => _data ??= new(1024);

    /// <summary>Moves a borrowed data line into the parser's own copy.</summary>
    private void CopyBorrowed()
    {
        if (_borrowing)
        {
            Append(Data, _borrowed.Span);
            _borrowing = false;
            _borrowed = default;
        }
    }

    private void Dispatch(List<SseEvent> events)
    {
        if (_hasData)
        {
            events.Add(new SseEvent(_eventType, _borrowing ? _borrowed : Data.WrittenSpan.ToArray()));
        }

        _data?.ResetWrittenCount();
        _borrowed = default;
        _borrowing = false;
        _hasData = false;
        _eventType = null;
    }

    private void Append(ArrayBufferWriter<byte> target, ReadOnlySpan<byte> bytes)
    {
        if (target.WrittenCount + bytes.Length > MaxEventBytes)
        {
            throw TooLarge();
        }

        target.Write(bytes);
    }

    private InvalidDataException TooLarge() => new($"A server-sent event exceeded {MaxEventBytes} bytes.");
}
