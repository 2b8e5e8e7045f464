using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ActorRelay.Core.Ledger;

/// <summary>
/// The request ids a ledger billed most recently, oldest first, at most <see cref="LedgerState.DeduplicationWindow"/>
/// of them. An id is kept as its 128-bit XxHash (16 bytes, instead of a ~100-byte string and its set entry), so the
/// window costs a few MB and a snapshot carries it as one compact byte array; two ids colliding in a window of 100,000
/// has a probability of about 10^-29.
/// </summary>
internal sealed class BilledRequestIds
{
    private const int HashBytes = 16;
    private const int StackLimit = 512;

    private readonly HashSet<UInt128> _billed = [];
    private readonly Queue<UInt128> _order = new();

    public bool Contains(string requestId) => _billed.Contains(Hash(requestId));

    /// <summary>Remembers <paramref name="requestId"/>; false when it is in the window already.</summary>
    public bool Add(string requestId) => Add(Hash(requestId));

    /// <summary>The window as a snapshot carries it: each id's hash, little-endian, oldest first.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[_order.Count * HashBytes];
        var offset = 0;
        foreach (var hash in _order)
        {
            BinaryPrimitives.WriteUInt128LittleEndian(bytes.AsSpan(offset, HashBytes), hash);
            offset += HashBytes;
        }

        return bytes;
    }

    /// <summary>Adds the hashes of <see cref="ToBytes"/>, oldest first.</summary>
    public void AddAll(ReadOnlySpan<byte> hashes)
    {
        if (hashes.Length % HashBytes != 0)
        {
            throw new ArgumentException($"A window of billed request ids is a multiple of {HashBytes} bytes, not {hashes.Length}.", nameof(hashes));
        }

        for (var offset = 0; offset < hashes.Length; offset += HashBytes)
        {
            Add(BinaryPrimitives.ReadUInt128LittleEndian(hashes.Slice(offset, HashBytes)));
        }
    }

    private bool Add(UInt128 hash)
    {
        if (!_billed.Add(hash))
        {
            return false;
        }

        _order.Enqueue(hash);
        if (_order.Count > LedgerState.DeduplicationWindow)
        {
            _billed.Remove(_order.Dequeue());
        }

        return true;
    }

    private static UInt128 Hash(string requestId)
    {
        var length = Encoding.UTF8.GetMaxByteCount(requestId.Length);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            return XxHash128.HashToUInt128(buffer[..Encoding.UTF8.GetBytes(requestId, buffer)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
