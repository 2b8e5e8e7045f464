using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text.Json;
using ActorRelay.Core.Ledger;

namespace ActorRelay.Actors.Serialization;

/// <summary>
/// The snapshot form of a tenant ledger since manifest <c>LedgerSnapshot.v2</c>. Most of a snapshot is its window of
/// billed request-id hashes (16 bytes per id, 1.6 MB when full). <c>LedgerSnapshot.v1</c> carries them as base64 inside
/// its JSON, which takes a third more bytes and a growing buffer to write. v2 writes them as they are, after the rest:
///
/// <code>
/// length of the JSON part (4 bytes, little-endian) | JSON part (LedgerSnapshot.v1 without the hashes) | hashes
/// </code>
///
/// So a snapshot is written into one array of its exact size, and read back with the hashes copied out once.
/// </summary>
internal static class LedgerSnapshotCodec
{
    public const string Manifest = "LedgerSnapshot.v2";

    private const int LengthBytes = sizeof(int);

    public static byte[] Write(LedgerSnapshot snapshot)
    {
        var hashes = snapshot.BilledRequestIdHashes ?? [];
        var json = JsonSerializer.SerializeToUtf8Bytes(snapshot with { BilledRequestIdHashes = null }, ActorRelayJsonContext.Default.LedgerSnapshot);
        var bytes = GC.AllocateUninitializedArray<byte>(LengthBytes + json.Length + hashes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes, json.Length);
        json.CopyTo(bytes.AsSpan(LengthBytes));
        hashes.CopyTo(bytes.AsSpan(LengthBytes + json.Length));
        return bytes;
    }

    public static LedgerSnapshot Read(byte[] bytes)
    {
        if (bytes.Length < LengthBytes)
        {
            throw Malformed($"{bytes.Length} bytes, shorter than its length prefix");
        }

        var jsonLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (jsonLength < 0 || jsonLength > bytes.Length - LengthBytes)
        {
            throw Malformed($"a JSON part of {jsonLength} bytes in {bytes.Length}");
        }

        var snapshot = JsonSerializer.Deserialize(bytes.AsSpan(LengthBytes, jsonLength), ActorRelayJsonContext.Default.LedgerSnapshot)
                       ?? throw Malformed("a null JSON part");
        return snapshot with { BilledRequestIdHashes = bytes.AsSpan(LengthBytes + jsonLength).ToArray() };
    }

    private static SerializationException Malformed(string what) => new($"A {Manifest} snapshot is malformed: {what}.");
}
