using ActorRelay.Gateway.Relay;

namespace ActorRelay.Gateway.Tests.Relay;

public sealed class BodiesTests
{
    private static readonly byte[] Body = Enumerable.Range(0, 100_000).Select(static i => (byte)(i * 7)).ToArray();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadAsync_ReturnsTheWholeBody_DeclaredOrNot(bool declared)
    {
        // A stream that hands out at most 1,000 bytes a read, as a socket does.
        using var body = new TrickleStream(Body);

        var read = await Bodies.ReadAsync(body, declared ? Body.Length : null, 1_000_000, TestContext.Current.CancellationToken);

        Assert.Equal(Body, read);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_PastTheLimit_Throws_WithoutReadingTheRest(bool declared)
    {
        using var body = new TrickleStream(Body);

        await Assert.ThrowsAsync<BodyTooLargeException>(() =>
            Bodies.ReadAsync(body, declared ? Body.Length : null, 40_000, TestContext.Current.CancellationToken).AsTask());
        Assert.InRange(body.Position, 40_001, 41_000);
    }

    [Fact]
    public async Task ReadAsync_AtTheLimitExactly_ReturnsTheBody()
    {
        using var body = new TrickleStream(Body);

        var read = await Bodies.ReadAsync(body, null, Body.Length, TestContext.Current.CancellationToken);

        Assert.Equal(Body, read);
    }

    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1_000)], cancellationToken);
    }
}
