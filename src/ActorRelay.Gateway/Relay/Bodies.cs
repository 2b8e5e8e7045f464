using System.Buffers;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// Whole bodies (a client's request, a vendor's answer) read into one array, never past a limit. The reads return
/// <see cref="ValueTask{TResult}"/>: a body that has already arrived (a small request, usually) is read without a task.
/// </summary>
internal static class Bodies
{
    /// <summary>What a body of undeclared length is first read into (rented, so a small answer costs only its result).</summary>
    private const int FirstBufferBytes = 16 * 1024;

    /// <summary>
    /// All of a vendor's <paramref name="content"/>, within <paramref name="limit"/> bytes (see the overload for a stream).
    /// Its last read may complete on a socket engine's event thread (the gateway inlines socket completions, see
    /// <c>Program.cs</c>); the caller then continues on the thread pool, so that the answer's translation and the client's
    /// write do not hold up the other connections' socket events.
    /// </summary>
    public static async ValueTask<byte[]> ReadAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(await content.ReadAsStreamAsync(cancellationToken), content.Headers.ContentLength, limit, cancellationToken);
        if (!Thread.CurrentThread.IsThreadPoolThread)
        {
            await Task.Yield();
        }

        return body;
    }

    /// <summary>
    /// All of <paramref name="body"/>, or <see cref="BodyTooLargeException"/> as soon as it holds more than
    /// <paramref name="limit"/> bytes. One whose length was declared within the limit is read straight into one array of
    /// that size: a large body is allocated once, instead of grown in a buffer and then copied out of it. Any other is
    /// read into rented buffers (doubled as it grows) and copied once into its result.
    /// </summary>
    public static async ValueTask<byte[]> ReadAsync(Stream body, long? declaredLength, long limit, CancellationToken cancellationToken)
    {
        if (declaredLength is { } length && length <= Math.Min(limit, Array.MaxLength))
        {
            var whole = GC.AllocateUninitializedArray<byte>((int)length);
            await body.ReadExactlyAsync(whole, cancellationToken);
            return whole;
        }

        // A length declared over the limit is not refused before reading: the stream's own limit speaks first where it
        // has one (Kestrel's 413 for a request), and a vendor's answer is refused at the limit's first byte past it.
        var buffer = ArrayPool<byte>.Shared.Rent(FirstBufferBytes);
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (filled == Array.MaxLength)
                    {
                        throw new BodyTooLargeException(filled);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    return buffer.AsSpan(0, filled).ToArray();
                }

                filled += read;
                if (filled > limit)
                {
                    throw new BodyTooLargeException(limit);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>A body held more bytes than its reader's limit; the rest of it was not read.</summary>
internal sealed class BodyTooLargeException(long limit) : Exception($"The body is larger than {limit} bytes.");
