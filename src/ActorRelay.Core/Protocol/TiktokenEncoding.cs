using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;
using System.Numerics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorRelay.Core.Protocol;

/// <summary>
/// A tiktoken byte-pair encoding that counts tokens and keeps nothing else. The vocabulary comes from the
/// Microsoft.ML.Tokenizers.Data packages (one base64 token per line, its rank the line's index) and is held as every
/// token's bytes in one array plus an open-addressing table from bytes to rank: about 4 MB for <c>o200k_base</c>, where
/// the library's tokenizer holds about 42 MB (an encoder, a decoder and a string vocabulary, an object per token), which
/// a gateway carried for its whole life once one call needed an estimate. Counts are the library's: the same
/// pre-tokenizing patterns, special tokens counted as one, and the same merges (the lowest-ranked adjacent pair first,
/// the leftmost of equals).
/// </summary>
internal sealed partial class TiktokenEncoding
{
    private const int NoRank = int.MaxValue;

    /// <summary>Pieces up to this many bytes merge by scanning their pairs; longer ones through a priority queue.</summary>
    private const int ScanLimit = 128;

    private readonly byte[] _tokens;
    private readonly int[] _starts;
    private readonly int[] _slots;
    private readonly Regex _pieces;
    private readonly Regex _specials;

    private TiktokenEncoding(byte[] tokens, int[] starts, int count, Regex pieces, Regex specials)
    {
        (_tokens, _starts, _pieces, _specials) = (tokens, starts, pieces, specials);
        _slots = new int[(int)BitOperations.RoundUpToPowerOf2((uint)count * 2)];
        var mask = _slots.Length - 1;
        for (var rank = 0; rank < count; rank++)
        {
            var slot = Hash(Token(rank)) & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = rank + 1;
        }
    }

    public static TiktokenEncoding O200kBase() =>
        Load("Microsoft.ML.Tokenizers.Data.O200kBase", "o200k_base.tiktoken.deflate", O200kPieces(), O200kSpecials());

    public static TiktokenEncoding Cl100kBase() =>
        Load("Microsoft.ML.Tokenizers.Data.Cl100kBase", "cl100k_base.tiktoken.deflate", Cl100kPieces(), Cl100kSpecials());

    /// <summary>The tokens of <paramref name="text"/>.</summary>
    public int Count(ReadOnlySpan<char> text)
    {
        var count = 0;
        var at = 0;
        foreach (var special in _specials.EnumerateMatches(text))
        {
            count += CountOrdinary(text[at..special.Index]) + 1;
            at = special.Index + special.Length;
        }

        return count + CountOrdinary(text[at..]);
    }

    private static TiktokenEncoding Load(string assembly, string resource, Regex pieces, Regex specials)
    {
        using var stream = Assembly.Load(assembly).GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{assembly} carries no {resource}.");
        using var reader = new StreamReader(new DeflateStream(stream, CompressionMode.Decompress), Encoding.ASCII);
        var header = reader.ReadLine();
        if (header is null || !header.StartsWith("Capacity: ", StringComparison.Ordinal)
            || !int.TryParse(header.AsSpan("Capacity: ".Length), out var capacity))
        {
            throw new InvalidDataException($"{resource} does not start with its capacity.");
        }

        var tokens = new ArrayBufferWriter<byte>(capacity * 8);
        var starts = new int[capacity + 1];
        var count = 0;
        Span<byte> decoded = stackalloc byte[256];
        while (reader.ReadLine() is { } line)
        {
            if (count == capacity || !Convert.TryFromBase64String(line, decoded, out var length))
            {
                throw new InvalidDataException($"{resource} line {count + 2} is not a base64 token within the capacity.");
            }

            tokens.Write(decoded[..length]);
            starts[++count] = tokens.WrittenCount;
        }

        return new TiktokenEncoding(tokens.WrittenSpan.ToArray(), starts[..(count + 1)], count, pieces, specials);
    }

    private static int Hash(ReadOnlySpan<byte> bytes) => (int)XxHash3.HashToUInt64(bytes);

    private ReadOnlySpan<byte> Token(int rank) => _tokens.AsSpan(_starts[rank], _starts[rank + 1] - _starts[rank]);

    private int Rank(ReadOnlySpan<byte> bytes)
    {
        var mask = _slots.Length - 1;
        for (var slot = Hash(bytes) & mask; _slots[slot] != 0; slot = (slot + 1) & mask)
        {
            var rank = _slots[slot] - 1;
            if (Token(rank).SequenceEqual(bytes))
            {
                return rank;
            }
        }

        return NoRank;
    }

    private int CountOrdinary(ReadOnlySpan<char> text)
    {
        var count = 0;
        byte[]? rented = null;
        Span<byte> buffer = stackalloc byte[512];
        try
        {
            foreach (var match in _pieces.EnumerateMatches(text))
            {
                var piece = text.Slice(match.Index, match.Length);
                var largest = Encoding.UTF8.GetMaxByteCount(piece.Length);
                if (largest > buffer.Length)
                {
                    if (rented is not null)
                    {
                        ArrayPool<byte>.Shared.Return(rented);
                    }

                    rented = ArrayPool<byte>.Shared.Rent(largest);
                    buffer = rented;
                }

                count += CountPiece(buffer[..Encoding.UTF8.GetBytes(piece, buffer)]);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return count;
    }

    private int CountPiece(ReadOnlySpan<byte> piece) =>
        Rank(piece) != NoRank ? 1
        : piece.Length <= ScanLimit ? MergeByScan(piece)
        : MergeByQueue(piece);

    /// <summary>
    /// Merges the piece's bytes pair by pair, each time the adjacent pair of lowest rank (the leftmost of equals), until
    /// no adjacent pair is a token; the parts left are the piece's tokens.
    /// </summary>
    private int MergeByScan(ReadOnlySpan<byte> piece)
    {
        // Part i is piece[starts[i]..starts[i + 1]]; ranks[i] is the rank of part i joined with part i + 1.
        Span<int> starts = stackalloc int[piece.Length + 1];
        Span<int> ranks = stackalloc int[piece.Length];
        var parts = piece.Length;
        for (var i = 0; i <= parts; i++)
        {
            starts[i] = i;
        }

        for (var i = 0; i < parts; i++)
        {
            ranks[i] = i + 1 < parts ? Rank(piece[i..(i + 2)]) : NoRank;
        }

        while (true)
        {
            var (lowest, at) = (NoRank, -1);
            for (var i = 0; i < parts - 1; i++)
            {
                if (ranks[i] < lowest)
                {
                    (lowest, at) = (ranks[i], i);
                }
            }

            if (at < 0)
            {
                return parts;
            }

            starts[(at + 2)..(parts + 1)].CopyTo(starts[(at + 1)..]);
            ranks[(at + 2)..parts].CopyTo(ranks[(at + 1)..]);
            parts--;
            ranks[at] = at + 1 < parts ? Rank(piece[starts[at]..starts[at + 2]]) : NoRank;
            if (at > 0)
            {
                ranks[at - 1] = Rank(piece[starts[at - 1]..starts[at + 1]]);
            }
        }
    }

    /// <summary>
    /// The same merges as <see cref="MergeByScan"/> in n log n for long pieces: parts as a linked list over byte offsets,
    /// candidate pairs in a queue by (rank, offset), a pair dropped when taken if either of its parts has changed. A part
    /// merged into the one before it points past the piece's end, so a pair starting at it is dropped like a pair starting
    /// at the last part.
    /// </summary>
    private int MergeByQueue(ReadOnlySpan<byte> piece)
    {
        const int mergedAway = int.MaxValue;
        var length = piece.Length;
        var next = ArrayPool<int>.Shared.Rent(length);
        var previous = ArrayPool<int>.Shared.Rent(length);
        try
        {
            var queue = new PriorityQueue<(int Start, int End), long>(length);
            for (var i = 0; i < length; i++)
            {
                (next[i], previous[i]) = (i + 1, i - 1);
                if (i + 1 < length)
                {
                    Offer(queue, piece, i, i + 2);
                }
            }

            var parts = length;
            while (queue.TryDequeue(out var pair, out _))
            {
                var second = next[pair.Start];
                if (second >= length || next[second] != pair.End)
                {
                    continue;
                }

                next[pair.Start] = pair.End;
                next[second] = mergedAway;
                if (pair.End < length)
                {
                    previous[pair.End] = pair.Start;
                    Offer(queue, piece, pair.Start, next[pair.End]);
                }

                if (pair.Start > 0)
                {
                    Offer(queue, piece, previous[pair.Start], pair.End);
                }

                parts--;
            }

            return parts;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(previous);
        }
    }

    private void Offer(PriorityQueue<(int Start, int End), long> queue, ReadOnlySpan<byte> piece, int start, int end)
    {
        var rank = Rank(piece[start..end]);
        if (rank != NoRank)
        {
            queue.Enqueue((start, end), ((long)rank << 32) | (uint)start);
        }
    }

    [GeneratedRegex(@"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")]
    private static partial Regex O200kPieces();

    [GeneratedRegex(@"<\|endoftext\|>|<\|endofprompt\|>")]
    private static partial Regex O200kSpecials();

    [GeneratedRegex(@"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s")]
    private static partial Regex Cl100kPieces();

    [GeneratedRegex(@"<\|endoftext\|>|<\|fim_prefix\|>|<\|fim_middle\|>|<\|fim_suffix\|>|<\|endofprompt\|>")]
    private static partial Regex Cl100kSpecials();
}
