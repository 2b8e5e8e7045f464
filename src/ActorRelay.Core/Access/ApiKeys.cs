using System.Security.Cryptography;
using System.Text;

namespace ActorRelay.Core.Access;

/// <summary>
/// Virtual API keys: <c>sk-ar-</c> + a public key id + <c>_</c> + 32 random characters. Only the SHA-256 of the
/// whole key is ever stored or sent between nodes; the plaintext exists once, in the response that created it.
/// Keys carry 190 bits of randomness, so a fast hash is safe (no password stretching needed).
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "sk-ar-";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>A new key id (public, shown in listings) and its plaintext key.</summary>
    public static (string KeyId, string Key) Generate()
    {
        var keyId = "key_" + RandomText(10);
        return (keyId, $"{Prefix}{keyId}_{RandomText(32)}");
    }

    /// <summary>The length of <see cref="Hash"/>: SHA-256 in hex.</summary>
    public const int HashLength = SHA256.HashSizeInBytes * 2;

    /// <summary>Lower-case hex SHA-256 of the UTF-8 key.</summary>
    public static string Hash(ReadOnlySpan<char> key)
    {
        Span<char> hex = stackalloc char[HashLength];
        WriteHash(key, hex);
        return new string(hex);
    }

    /// <summary>Writes <see cref="Hash"/> into <paramref name="hex"/> (<see cref="HashLength"/> characters), for a lookup that needs no string.</summary>
    public static void WriteHash(ReadOnlySpan<char> key, Span<char> hex)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> utf8 = stackalloc byte[Math.Min(Encoding.UTF8.GetMaxByteCount(key.Length), 512)];
        if (Encoding.UTF8.TryGetBytes(key, utf8, out var length))
        {
            SHA256.HashData(utf8[..length], hash);
        }
        else
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString()), hash);
        }

        if (!Convert.TryToHexStringLower(hash, hex, out _))
        {
            throw new ArgumentException($"A key's hash takes {HashLength} characters; the span has {hex.Length}.", nameof(hex));
        }
    }

    /// <summary>What listings show of a key: its prefix and the first characters, never enough to use it.</summary>
    public static string Display(string key) => key.Length <= 12 ? "sk-…" : key[..12] + "…";

    private static string RandomText(int length) => RandomNumberGenerator.GetString(Alphabet, length);
}
