namespace ActorRelay.Gateway.Relay;

/// <summary>Whole bodies (a client's request, a vendor's answer) read into one array.</summary>
internal static class Bodies
{
    /// <summary>
    /// All of <paramref name="body"/>. One whose length was declared, up to <paramref name="limit"/>, is read straight into
    /// one array of that size: a large body is allocated once, instead of grown in a buffer and then copied out of it.
    /// </summary>
    public static async Task<byte[]> ReadAsync(Stream body, long? declaredLength, long limit, CancellationToken cancellationToken)
    {
        if (declaredLength is { } length && length <= Math.Min(limit, Array.MaxLength))
        {
            var whole = GC.AllocateUninitializedArray<byte>((int)length);
            await body.ReadExactlyAsync(whole, cancellationToken);
            return whole;
        }

        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
