using System.Text;
using ActorRelay.Actors.Streaming;
using ActorRelay.Core.Sse;
using Akka.Hosting;
using Akka.Hosting.TestKit;
using Akka.Streams;

namespace ActorRelay.Actors.Tests.Streaming;

public sealed class SseRelaySpecs(ITestOutputHelper output) : TestKit(output: output)
{
    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider)
    {
    }

    private SseRelay? _relay;

    private SseRelay Relay => _relay ??= new SseRelay(Sys.Materializer());

    /// <summary>As the gateway relays a stream: the graph prepared first, the upstream body given once the vendor answered.</summary>
    private async Task RelayAsync(Stream upstream, Func<IReadOnlyList<SseEvent>, Task> handleEvents, CancellationToken cancellationToken)
    {
        await using var relay = Relay.Prepare(cancellationToken);
        await relay.RunAsync(upstream, handleEvents);
    }

    [Fact]
    public async Task Prepare_VendorAnswersLater_TheWaitingGraphRelaysEveryEvent()
    {
        await using var relay = Relay.Prepare(TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var upstream = new EndlessSseStream(limitEvents: 3);
        var received = new List<string>();

        await relay.RunAsync(upstream, Collect(received));

        Assert.Equal(["{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "[DONE]"], received);
        Assert.True(upstream.Disposed);
    }

    [Fact]
    public async Task Prepare_ClientLeavesBeforeTheVendorAnswers_RunEndsCancelledAndDisposesTheBody()
    {
        using var clientGone = new CancellationTokenSource();
        await using var relay = Relay.Prepare(clientGone.Token);
        await clientGone.CancelAsync();
        var upstream = new EndlessSseStream(limitEvents: 3);
        var handled = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => relay.RunAsync(upstream, _ =>
        {
            handled++;
            return Task.CompletedTask;
        }).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));

        Assert.Equal(0, handled);
        Assert.Equal(0, upstream.BytesRead);
        Assert.True(upstream.Disposed);
    }

    [Fact]
    public async Task Prepare_ClientLeavesWhileTheGraphWaitsForTheBody_TheBodyIsNeverRead()
    {
        // The graph is up and its first read waits for the body; the client leaves, and the vendor's answer arrives
        // before the graph has taken in the abort. The waiting read must not go ahead on a stream that, unlike
        // HttpClient's, ignores a cancelled token.
        using var clientGone = new CancellationTokenSource();
        await using var relay = Relay.Prepare(clientGone.Token);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await clientGone.CancelAsync();
        var upstream = new EndlessSseStream(limitEvents: 3);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => relay.RunAsync(upstream, _ => Task.CompletedTask)
            .WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));

        Assert.Equal(0, upstream.BytesRead);
        Assert.True(upstream.Disposed);
    }

    [Fact]
    public async Task Prepare_NeverRun_DisposingEndsItsGraph()
    {
        // The vendor answered with an error: the graph that waited for a body ends when the relay is disposed (which
        // waits for the graph's completion), with or without the client still there.
        var relay = Relay.Prepare(TestContext.Current.CancellationToken);
        await relay.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        using var clientGone = new CancellationTokenSource();
        var aborted = Relay.Prepare(clientGone.Token);
        await clientGone.CancelAsync();
        await aborted.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task RunAsync_FiniteStream_DeliversEveryEventInOrderAndDisposesUpstream()
    {
        var upstream = new EndlessSseStream(limitEvents: 50);
        var received = new List<string>();

        await RelayAsync(upstream, Collect(received), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{{\"n\":{i}}}").Append("[DONE]"), received);
        Assert.True(upstream.Disposed);
    }

    [Fact]
    public async Task RunAsync_EventsAcrossManyReads_ArriveIntactAndInOrder()
    {
        // ~100 KB of events: many full reads, events split across read boundaries, the one read buffer reused.
        var upstream = new EndlessSseStream(limitEvents: 5_000);
        var received = new List<string>();
        var handlerCalls = 0;

        await RelayAsync(upstream, events =>
        {
            handlerCalls++;
            received.AddRange(Texts(events));
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken);

        // The events of one read reach the handler together: one call per read, not per event.
        Assert.True(upstream.BytesRead > 4 * SseRelay.ReadBufferBytes);
        Assert.InRange(handlerCalls, 4, (int)(upstream.BytesRead / SseRelay.ReadBufferBytes) + 2);
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => $"{{\"n\":{i}}}").Append("[DONE]"), received);
    }

    [Fact]
    public async Task RunAsync_SlowConsumer_SlowsUpstreamReadsInsteadOfBuffering()
    {
        var upstream = new EndlessSseStream(limitEvents: null);
        using var stop = new CancellationTokenSource();
        var handled = 0;

        var relay = RelayAsync(upstream, async _ =>
        {
            if (Interlocked.Increment(ref handled) == 5)
            {
                await stop.CancelAsync();
            }

            await Task.Delay(10, stop.Token);
        }, stop.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => relay);

        // Five reads' worth of events were handled, slowly; an endless, instant upstream must not have been drained
        // beyond a couple of read buffers more.
        Assert.Equal(5, handled);
        Assert.InRange(upstream.BytesRead, 1, 8 * SseRelay.ReadBufferBytes);
        Assert.True(upstream.Disposed);
    }

    [Fact]
    public async Task RunAsync_ClientLeavesDuringPendingRead_CancelsTheReadAndDisposesUpstream()
    {
        var upstream = new StalledStream();
        using var clientGone = new CancellationTokenSource();

        var relay = RelayAsync(upstream, _ => Task.CompletedTask, clientGone.Token);
        await upstream.ReadStarted.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await clientGone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => relay.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        await AwaitConditionAsync(() => Task.FromResult(upstream.ReadCancelled && upstream.Disposed), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RunAsync_AbortedWhileTheHandlerHoldsEvents_TheirBytesStayTheStreamsUntilItIsDone()
    {
        // The events point into the stream's read buffer. An abort (a deadline) while the handler still works on them
        // (a slow client) ends the graph at once; the buffer must not go back to the pool, to be filled by other
        // streams, before the handler is done.
        using var deadline = new CancellationTokenSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string[]? seen = null;
        var relay = RelayAsync(new EndlessSseStream(limitEvents: null), async events =>
        {
            entered.TrySetResult();
            await release.Task;
            Volatile.Write(ref seen, Texts(events).ToArray());
            deadline.Token.ThrowIfCancellationRequested();
        }, deadline.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => relay.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        // Other streams rent and fill read buffers meanwhile, on the pool's threads as the gateway's do.
        var filler = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("data: #########################\n\n", 400)));
        await Task.WhenAll(Enumerable.Range(0, 256).Select(_ => Task.Run(() =>
            RelayAsync(new MemoryStream(filler), _ => Task.CompletedTask, TestContext.Current.CancellationToken))));
        release.SetResult();

        await AwaitConditionAsync(() => Task.FromResult(Volatile.Read(ref seen) is not null), TimeSpan.FromSeconds(5));
        Assert.NotEmpty(seen!);
        Assert.Equal(Enumerable.Range(0, seen!.Length).Select(i => $"{{\"n\":{i}}}"), seen);
    }

    [Fact]
    public async Task RunAsync_UpstreamFails_SurfacesTheFailure()
    {
        var upstream = new EndlessSseStream(limitEvents: null, failAfterEvents: 5);

        await Assert.ThrowsAsync<IOException>(() => RelayAsync(upstream, _ => Task.CompletedTask, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Prepare_StreamsOneAfterAnother_OneGraphRelaysThemAll()
    {
        for (var stream = 0; stream < 20; stream++)
        {
            var received = new List<string>();
            await RelayAsync(new EndlessSseStream(limitEvents: 3), Collect(received), TestContext.Current.CancellationToken);

            Assert.Equal(["{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "[DONE]"], received);
        }

        Assert.Equal(1, Relay.GraphsStarted);
    }

    [Fact]
    public async Task Prepare_AfterAHandlerFailedOrAStreamWasAborted_TheNextStreamIsRelayedWhole()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => RelayAsync(new EndlessSseStream(limitEvents: 10),
            _ => throw new InvalidOperationException("client gone"), TestContext.Current.CancellationToken));
        using (var clientGone = new CancellationTokenSource())
        {
            var upstream = new StalledStream();
            var aborted = RelayAsync(upstream, _ => Task.CompletedTask, clientGone.Token);
            await upstream.ReadStarted.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            await clientGone.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => aborted.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        }

        var received = new List<string>();
        await RelayAsync(new EndlessSseStream(limitEvents: 2), Collect(received), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(["{\"n\":0}", "{\"n\":1}", "[DONE]"], received);
        // The aborted stream's caller is told at once, possibly before its graph is idle again (then the next stream gets
        // a second graph); from then on the streams find an idle graph: none was lost to the failures.
        var started = Relay.GraphsStarted;
        for (var stream = 0; stream < 3; stream++)
        {
            await RelayAsync(new EndlessSseStream(limitEvents: 1), _ => Task.CompletedTask, TestContext.Current.CancellationToken);
        }

        Assert.Equal(started, Relay.GraphsStarted);
        Assert.InRange(started, 1, 2);
    }

    [Fact]
    public async Task Prepare_AStreamAbortedWhileItsHandlerWaitsForASlowClient_DoesNotHoldUpTheNext()
    {
        // The deadline fired while the handler still writes to a client that does not read: the stream ends for its
        // caller at once, and its graph is not given another stream until that handler is done.
        using var deadline = new CancellationTokenSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowClient = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = RelayAsync(new EndlessSseStream(limitEvents: null), async _ =>
        {
            entered.TrySetResult();
            await slowClient.Task;
        }, deadline.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));

        await RelayAsync(new EndlessSseStream(limitEvents: 3), _ => Task.CompletedTask, TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(2, Relay.GraphsStarted);

        slowClient.SetResult();
        await AwaitConditionAsync(async () =>
        {
            // Once the slow handler is done, its graph is idle again: two streams at once need no new graph.
            var before = Relay.GraphsStarted;
            await Task.WhenAll(RelayAsync(new EndlessSseStream(limitEvents: 3), _ => Task.Delay(50), TestContext.Current.CancellationToken),
                RelayAsync(new EndlessSseStream(limitEvents: 3), _ => Task.Delay(50), TestContext.Current.CancellationToken));
            return Relay.GraphsStarted == before;
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Prepare_MoreStreamsAtOnceThanGraphsKeptIdle_TheRestStopAfterwards()
    {
        var relay = new SseRelay(Sys.Materializer(), maxIdleGraphs: 2);
        async Task RelayTogether(int streams)
        {
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var waiting = 0;
            await Task.WhenAll(Enumerable.Range(0, streams).Select(async _ =>
            {
                await using var prepared = relay.Prepare(TestContext.Current.CancellationToken);
                await prepared.RunAsync(new EndlessSseStream(limitEvents: 1), async _ =>
                {
                    // The streams are all open at once: each waits at its first events for the others.
                    if (Interlocked.Increment(ref waiting) == streams)
                    {
                        all.TrySetResult();
                    }

                    await all.Task;
                });
            })).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        }

        await RelayTogether(5);
        Assert.Equal(5, relay.GraphsStarted);

        // Two of the five were kept; three streams at once take both and start one more.
        await AwaitConditionAsync(async () =>
        {
            var before = relay.GraphsStarted;
            await RelayTogether(3);
            return relay.GraphsStarted == before + 1;
        }, TimeSpan.FromSeconds(5));
    }

    /// <summary>A handler that keeps the data of every event it is given, as text.</summary>
    private static Func<IReadOnlyList<SseEvent>, Task> Collect(List<string> received) => events =>
    {
        received.AddRange(Texts(events));
        return Task.CompletedTask;
    };

    private static IEnumerable<string> Texts(IReadOnlyList<SseEvent> events) => events.Select(sse => Encoding.UTF8.GetString(sse.Data.Span));

    /// <summary>An instant upstream producing <c>data: {"n":i}</c> events, optionally ending with [DONE] or failing.</summary>
    private sealed class EndlessSseStream(int? limitEvents, int? failAfterEvents = null) : Stream
    {
        private byte[] _pending = [];
        private int _pendingOffset;
        private int _next;
        private bool _doneWritten;

        public long BytesRead { get; private set; }

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (_pendingOffset == _pending.Length)
                {
                    if (failAfterEvents is { } fail && _next >= fail)
                    {
                        throw new IOException("upstream dropped");
                    }

                    if (limitEvents is { } limit && _next >= limit)
                    {
                        if (_doneWritten)
                        {
                            break;
                        }

                        _doneWritten = true;
                        _pending = "data: [DONE]\n\n"u8.ToArray();
                    }
                    else
                    {
                        _pending = Encoding.UTF8.GetBytes($"data: {{\"n\":{_next++}}}\n\n");
                    }

                    _pendingOffset = 0;
                }

                var count = Math.Min(buffer.Length - written, _pending.Length - _pendingOffset);
                _pending.AsSpan(_pendingOffset, count).CopyTo(buffer.Span[written..]);
                _pendingOffset += count;
                written += count;
            }

            BytesRead += written;
            return ValueTask.FromResult(written);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>An upstream whose first read never completes unless cancelled.</summary>
    private sealed class StalledStream : Stream
    {
        public TaskCompletionSource ReadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool ReadCancelled { get; private set; }

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ReadStarted.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 0;
            }
            catch (OperationCanceledException)
            {
                ReadCancelled = true;
                throw;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
