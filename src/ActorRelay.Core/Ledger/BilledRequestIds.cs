using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Text;

namespace ActorRelay.Core.Ledger;

/// <summary>
/// The request ids a ledger billed most recently, oldest first, at most <see cref="LedgerState.DeduplicationWindow"/>
/// of them. An id is kept as its 128-bit XxHash (16 bytes, instead of a ~100-byte string and its set entry), so a
/// snapshot carries the window as one compact byte array; two ids colliding in a window of 100,000 has a probability of
/// about 10^-29. The hashes sit in a ring, oldest first, that grows to the window's size and then overwrites its oldest;
/// an open-addressing table (linear probing, at most half full, each slot the ring position + 1) finds a hash in it. A
/// full window so takes 2.6 MB (1.6 MB of ring, 1 MB of table), where a set and a queue of the hashes took about 7.5 MB;
/// a ledger's window stays in memory as long as the ledger, and is collected only with the oldest generation.
/// </summary>
internal sealed class BilledRequestIds
{
    private const int HashBytes = 16;
    private const int StackLimit = 512;
    private const int InitialCapacity = 64;

    private UInt128[] _ring = new UInt128[InitialCapacity];
    private int[] _slots = new int[InitialCapacity * 2];
    private int _oldest;
    private int _count;

    public bool Contains(string requestId) => Find(Hash(requestId)) >= 0;

    /// <summary>Remembers <paramref name="requestId"/>; false when it is in the window already.</summary>
    public bool Add(string requestId) => Add(Hash(requestId));

    /// <summary>The window as a snapshot carries it: each id's hash, little-endian, oldest first.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[_count * HashBytes];
        for (var i = 0; i < _count; i++)
        {
            BinaryPrimitives.WriteUInt128LittleEndian(bytes.AsSpan(i * HashBytes, HashBytes), _ring[RingIndex(i)]);
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
        if (Find(hash) >= 0)
        {
            return false;
        }

        if (_count == LedgerState.DeduplicationWindow)
        {
            Forget(Find(_ring[_oldest]));
            _oldest = (_oldest + 1) % _ring.Length;
            _count--;
        }
        else if (_count == _ring.Length)
        {
            Grow();
        }

        var position = RingIndex(_count);
        _ring[position] = hash;
        _count++;
        Place(hash, position);
        return true;
    }

    /// <summary>Puts ring position <paramref name="position"/> into the first free slot of <paramref name="hash"/>'s probe run.</summary>
    private void Place(UInt128 hash, int position)
    {
        var mask = _slots.Length - 1;
        var slot = Home(hash, mask);
        while (_slots[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        _slots[slot] = position + 1;
    }

    /// <summary>The table slot that holds <paramref name="hash"/>, or -1.</summary>
    private int Find(UInt128 hash)
    {
        var mask = _slots.Length - 1;
        for (var slot = Home(hash, mask); _slots[slot] != 0; slot = (slot + 1) & mask)
        {
            if (_ring[_slots[slot] - 1] == hash)
            {
                return slot;
            }
        }

        return -1;
    }

    /// <summary>
    /// Empties <paramref name="slot"/> and moves back each later entry of its probe run that may take the gap (one
    /// whose home is not cyclically after the gap and up to where it sits), so that no lookup stops early at a hole.
    /// </summary>
    private void Forget(int slot)
    {
        var mask = _slots.Length - 1;
        var gap = slot;
        for (var next = (gap + 1) & mask; _slots[next] != 0; next = (next + 1) & mask)
        {
            var home = Home(_ring[_slots[next] - 1], mask);
            var staysPut = gap <= next ? gap < home && home <= next : gap < home || home <= next;
            if (!staysPut)
            {
                _slots[gap] = _slots[next];
                gap = next;
            }
        }

        _slots[gap] = 0;
    }

    /// <summary>Doubles the ring (up to the window's size) and the table, oldest hash first again.</summary>
    private void Grow()
    {
        var ring = new UInt128[Math.Min(_ring.Length * 2, LedgerState.DeduplicationWindow)];
        for (var i = 0; i < _count; i++)
        {
            ring[i] = _ring[RingIndex(i)];
        }

        _ring = ring;
        _oldest = 0;
        _slots = new int[(int)BitOperations.RoundUpToPowerOf2((uint)ring.Length * 2)];
        for (var i = 0; i < _count; i++)
        {
            Place(ring[i], i);
        }
    }

    /// <summary>The ring position of the window's <paramref name="age"/>-th hash, 0 the oldest.</summary>
    private int RingIndex(int age) => (_oldest + age) % _ring.Length;

    /// <summary>A hash's first slot: its low bits, as uniform as the rest of an XxHash.</summary>
    private static int Home(UInt128 hash, int mask) => (int)(ulong)hash & mask;

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
