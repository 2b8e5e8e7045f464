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
/// (one read buffer and a few parsed events per stream). Cancelling <c>cancellationToken</c> (the client
/// left) aborts the graph, cancels the pending upstream read and disposes the upstream body.
/// </summary>
public static class SseRelay
{
    /// <summary>Bytes asked of the upstream body per read.</summary>
    public const int ReadBufferBytes = 16 * 1024;

    public static async Task RunAsync(
        Stream upstream,
        Func<SseEvent, Task> handleEvent,
        IMaterializer materializer,
        CancellationToken cancellationToken)
    {
        var buffer = new byte[ReadBufferBytes];
        ExceptionDispatchInfo? handlerFailure = null;
        var (killSwitch, completion) = Source
            .UnfoldResourceAsync<byte[], Stream>(
                () => Task.FromResult(upstream),
                async body =>
                {
                    var read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    return read == 0 ? Option<byte[]>.None : Option<byte[]>.Create(buffer[..read]);
                },
                async body =>
                {
                    await body.DisposeAsync().ConfigureAwait(false);
                    return Done.Instance;
                })
            // Replaces the source's default attributes, whose blocking-IO dispatcher would put an async boundary
            // (and a 16-chunk prefetch) behind it: reads here are truly asynchronous, so the whole graph runs
            // fused in one island and reads exactly when downstream asks.
            .WithAttributes(Attributes.CreateName("upstream-sse").And(Attributes.CreateInputBuffer(1, 1)))
            .StatefulSelectMany<byte[], SseEvent, NotUsed>(() =>
            {
                var parser = new SseParser();
                var events = new List<SseEvent>();
                return chunk =>
                {
                    events.Clear();
                    parser.Parse(chunk, events);
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

        handlerFailure?.Throw();
    }
}
