using System.Runtime.ExceptionServices;
using ActorRelay.Core.Sse;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;

namespace ActorRelay.Actors.Streaming;

/// <summary>
/// Carries a vendor's server-sent-event body to a client through an Akka.Streams graph:
/// upstream bytes → SSE events → the caller's async handler (which translates and writes to the client).
/// The graph is demand-driven end to end: the next upstream read happens only after the handler has
/// finished with the previous events, so a slow client slows the vendor read and buffers stay bounded
/// (one small read buffer and a few parsed events per stream). Cancelling
/// <c>cancellationToken</c> (the client left) aborts the graph, cancels the pending upstream read and disposes the
/// upstream body.
/// </summary>
public static class SseRelay
{
    /// <summary>
    /// Bytes asked of the upstream body per read, held by every open stream: vendor events are a few hundred bytes, and
    /// HttpClient buffers the connection itself, so a larger buffer only costs memory per stream.
    /// </summary>
    public const int ReadBufferBytes = 4 * 1024;

    public static async Task RunAsync(
        Stream upstream,
        Func<SseEvent, Task> handleEvent,
        IMaterializer materializer,
        CancellationToken cancellationToken)
    {
        var reader = new UpstreamReader(upstream, cancellationToken);
        ExceptionDispatchInfo? handlerFailure = null;
        var (killSwitch, completion) = Source
            .UnfoldResourceAsync<ReadOnlyMemory<byte>, UpstreamReader>(
                () => Task.FromResult(reader),
                static async body =>
                {
                    var chunk = await body.ReadAsync().ConfigureAwait(false);
                    return chunk.IsEmpty ? Option<ReadOnlyMemory<byte>>.None : Option<ReadOnlyMemory<byte>>.Create(chunk);
                },
                static async body =>
                {
                    await body.DisposeAsync().ConfigureAwait(false);
                    return Done.Instance;
                })
            // Replaces the source's default attributes, whose blocking-IO dispatcher would put an async boundary
            // (and a 16-chunk prefetch) behind it: reads here are truly asynchronous, so the whole graph runs
            // fused in one island and reads exactly when downstream asks. That also means a chunk is parsed
            // (its bytes copied into events) before the source is asked for the next one, which is what lets the
            // reader hand out its buffer instead of a copy.
            .WithAttributes(Attributes.CreateName("upstream-sse").And(Attributes.CreateInputBuffer(1, 1)))
            .StatefulSelectMany<ReadOnlyMemory<byte>, SseEvent, NotUsed>(() =>
            {
                var parser = new SseParser();
                var events = new List<SseEvent>();
                return chunk =>
                {
                    events.Clear();
                    parser.Parse(chunk.Span, events);
                    return events.ToArray();
                };
            })
            .ViaMaterialized(KillSwitches.Single<SseEvent>(), Keep.Right)
            // A handler failure (typically the client going away) ends the stream quietly and is rethrown to the
            // caller below, instead of failing the stage, which Akka would log as an error.
            .SelectAsync(1, async sse =>
            {
                try
                {
                    await handleEvent(sse).ConfigureAwait(false);
                    return true;
                }
                catch (Exception exception)
                {
                    handlerFailure = ExceptionDispatchInfo.Capture(exception);
                    return false;
                }
            })
            .TakeWhile(delivered => delivered)
            .ToMaterialized(Sink.Ignore<bool>(), Keep.Both)
            .Run(materializer);

        await using var abort = cancellationToken.Register(
            () => killSwitch.Abort(new OperationCanceledException("The client went away.", cancellationToken)));
        try
        {
            await completion.ConfigureAwait(false);
        }
        catch (AggregateException wrapped) when (wrapped.Flatten().InnerExceptions is [var single])
        {
            // Stream stages report failures wrapped; callers get the failure itself (IOException, cancellation).
            ExceptionDispatchInfo.Throw(single);
        }
        finally
        {
            // The source closes its resource on its own schedule, which can be after the sink has completed; the
            // caller is promised that the upstream body (and with it the vendor call) is gone when this returns.
            await reader.DisposeAsync().ConfigureAwait(false);
        }

        handlerFailure?.Throw();
    }

    /// <summary>
    /// Reads the upstream body into one small buffer per stream and hands out the bytes read, without a copy: the graph
    /// is fused and reads only on demand, so a chunk has been parsed (its events copied out) before the next read
    /// overwrites the buffer. Disposing is idempotent: the graph's close and the relay's own end both do it.
    /// </summary>
    private sealed class UpstreamReader(Stream body, CancellationToken cancellationToken) : IAsyncDisposable
    {
        private readonly byte[] _buffer = new byte[ReadBufferBytes];
        private int _disposed;

        public async Task<ReadOnlyMemory<byte>> ReadAsync()
        {
            var read = await body.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            return _buffer.AsMemory(0, read);
        }

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? body.DisposeAsync() : ValueTask.CompletedTask;
    }
}
