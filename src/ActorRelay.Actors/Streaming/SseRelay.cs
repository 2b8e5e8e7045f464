using System.Buffers;
using System.Runtime.ExceptionServices;
using ActorRelay.Core.Sse;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;

namespace ActorRelay.Actors.Streaming;

/// <summary>
/// Carries a vendor's server-sent-event body to a client through an Akka.Streams graph:
/// upstream bytes → SSE events → the caller's async handler (which translates and writes to the client). The handler
/// gets the events of one upstream read together, in order, so that it can send them to the client with one flush:
/// events that arrived together leave together, and none waits for a later read.
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

    /// <summary>
    /// The graph, built and fused once: a stream only materializes it (building and fusing a graph per stream cost more
    /// than running it). Each materialization gets its stream (upstream and handler) as an attribute, so the source has
    /// it from the start and reads at the first pull, without waiting for it to arrive by a message. The whole graph runs
    /// fused in one island, so the source reads exactly when downstream asks.
    /// </summary>
    private static readonly IGraph<ClosedShape, (UniqueKillSwitch, Task<Done>)> Blueprint = Fusing.Aggressive(
        Source.FromGraph(new UpstreamEvents())
            .ViaMaterialized(KillSwitches.Single<Batch>(), Keep.Right)
            .SelectAsync(1, static batch => batch.Run.DeliverAsync(batch.Events))
            .TakeWhile(static delivered => delivered)
            .ToMaterialized(Sink.Ignore<bool>(), Keep.Both));

    /// <summary>
    /// Materializes a stream's graph before its upstream has answered: the graph's start (its interpreter actor, created
    /// through the materializer's supervisor, two turns of the thread pool) then overlaps the vendor's time to first
    /// byte instead of following it. The graph waits for <see cref="Prepared.RunAsync"/> to give it the upstream body;
    /// cancelling <paramref name="cancellationToken"/> (the client left, a deadline) aborts it, whether it runs yet or not.
    /// </summary>
    public static Prepared Prepare(ActorMaterializer materializer, CancellationToken cancellationToken)
    {
        var run = new Run(cancellationToken);
        var (killSwitch, completion) = materializer.Materialize(Blueprint, new Attributes(run));
        var abort = cancellationToken.Register(
            () => killSwitch.Abort(new OperationCanceledException("The client went away.", cancellationToken)));
        return new Prepared(run, completion, abort);
    }

    /// <summary>A materialized relay graph waiting for its upstream body. Disposing one that never ran ends its graph.</summary>
    public sealed class Prepared : IAsyncDisposable
    {
        private readonly Run _run;
        private readonly Task<Done> _completion;
        private readonly CancellationTokenRegistration _abort;
        private bool _ran;

        internal Prepared(Run run, Task<Done> completion, CancellationTokenRegistration abort)
        {
            _run = run;
            _completion = completion;
            _abort = abort;
        }

        /// <summary>
        /// Relays <paramref name="upstream"/> to <paramref name="handleEvents"/> and returns once the upstream body is
        /// disposed: at its end, when the handler failed (rethrown here), or when the relay was cancelled.
        /// </summary>
        public async Task RunAsync(Stream upstream, Func<IReadOnlyList<SseEvent>, Task> handleEvents)
        {
            _ran = true;
            _run.Start(upstream, handleEvents);
            try
            {
                await _completion.ConfigureAwait(false);
            }
            catch (AggregateException wrapped) when (wrapped.Flatten().InnerExceptions is [var single])
            {
                // Stream stages report failures wrapped; callers get the failure itself (IOException, cancellation).
                ExceptionDispatchInfo.Throw(single);
            }
            finally
            {
                // The graph lets go of the upstream on its own schedule, which can be after the sink has completed; the
                // caller is promised that the upstream body (and with it the vendor call) is gone when this returns.
                await _run.DisposeAsync().ConfigureAwait(false);
            }

            _run.HandlerFailure?.Throw();
        }

        public async ValueTask DisposeAsync()
        {
            await _abort.DisposeAsync().ConfigureAwait(false);
            if (!_ran)
            {
                // It never ran (the vendor answered with an error, or not at all): an empty body ends the graph quietly.
                _run.Start(Stream.Null, Run.NoHandler);
                try
                {
                    await _completion.ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is OperationCanceledException or AggregateException)
                {
                    // Aborted before it ran: nothing was relayed and nobody waits for it.
                }
            }
        }
    }

    /// <summary>The events parsed from one upstream read, for one stream's handler.</summary>
    private sealed record Batch(Run Run, SseEvent[] Events);

    /// <summary>
    /// One stream: reads the upstream body, once <see cref="Start"/> gives it, into one small pooled buffer and parses
    /// it. A chunk is parsed (its events copied out) before the next read overwrites the buffer. Disposing is idempotent:
    /// the graph and the relay's end both do it. It is an attribute only to reach its materialization's source stage.
    /// </summary>
    internal sealed class Run(CancellationToken cancellationToken) : IAsyncDisposable, Attributes.IAttribute
    {
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        private readonly SseParser _parser = new();
        private readonly List<SseEvent> _parsed = [];
        /// <summary>The handler until <see cref="Start"/> gives one: no events reach it before the body does.</summary>
        public static readonly Func<IReadOnlyList<SseEvent>, Task> NoHandler = static _ => Task.CompletedTask;

        private readonly TaskCompletionSource<Stream> _body = new();
        private Func<IReadOnlyList<SseEvent>, Task> _handleEvents = NoHandler;
        private int _disposed;

        public ExceptionDispatchInfo? HandlerFailure { get; private set; }

        /// <summary>
        /// Gives the graph its upstream body and handler, once. The read waiting for the body continues on this thread,
        /// so the first read follows the vendor's answer without a turn of the thread pool. A graph that ended first
        /// (aborted) never reads the body, so it is disposed here.
        /// </summary>
        public void Start(Stream body, Func<IReadOnlyList<SseEvent>, Task> handleEvents)
        {
            _handleEvents = handleEvents;
            if (!_body.TrySetResult(body))
            {
                _ = body.DisposeAsync();
            }
        }

        public ValueTask<int> ReadAsync() =>
            _body.Task.IsCompletedSuccessfully ? _body.Task.Result.ReadAsync(Buffer, cancellationToken) : ReadFirstAsync();

        public SseEvent[] Parse(int read)
        {
            _parsed.Clear();
            _parser.Parse(_buffer.AsSpan(0, read), _parsed);
            return _parsed.Count == 0 ? [] : _parsed.ToArray();
        }

        /// <summary>
        /// A handler failure (typically the client going away) ends the stream quietly and is rethrown to the caller,
        /// instead of failing the stage, which Akka would log as an error.
        /// </summary>
        public async Task<bool> DeliverAsync(SseEvent[] events)
        {
            try
            {
                await _handleEvents(events).ConfigureAwait(false);
                return true;
            }
            catch (Exception exception)
            {
                HandlerFailure = ExceptionDispatchInfo.Capture(exception);
                return false;
            }
        }

        /// <summary>
        /// Gives the read buffer back to the pool, once the stream is over. Only the source stage may call this, and
        /// only with no read in flight: a read still pending could write into a buffer that another stream now holds.
        /// </summary>
        public void ReturnBuffer() => ArrayPool<byte>.Shared.Return(_buffer);

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return ValueTask.CompletedTask;
            }

            return _body.TrySetCanceled() ? ValueTask.CompletedTask : _body.Task.Result.DisposeAsync();
        }

        /// <summary>
        /// The read that waited for the body. The client may have left while it waited, with the graph's abort still on
        /// its way: then the body is not read at all, whether or not the stream itself would honour the cancellation.
        /// </summary>
        private async ValueTask<int> ReadFirstAsync()
        {
            var body = await _body.Task.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return await body.ReadAsync(Buffer, cancellationToken).ConfigureAwait(false);
        }

        private Memory<byte> Buffer => _buffer.AsMemory(0, ReadBufferBytes);
    }

    /// <summary>
    /// The source: reads and parses its stream's upstream body (the <see cref="Run"/> it was materialized with) only when
    /// downstream pulls, pushing the events of each read that held any; ends with the body.
    /// </summary>
    private sealed class UpstreamEvents : GraphStage<SourceShape<Batch>>
    {
        private readonly Outlet<Batch> _out = new("upstream-sse.out");

        public UpstreamEvents() => Shape = new SourceShape<Batch>(_out);

        public override SourceShape<Batch> Shape { get; }

        protected override Attributes InitialAttributes { get; } = Attributes.CreateName("upstream-sse");

        protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) =>
            new Logic(this, inheritedAttributes.GetAttribute<Run>() ?? throw new InvalidOperationException("The SSE relay graph was materialized without its stream."));

        private sealed class Logic : OutGraphStageLogic
        {
            private readonly UpstreamEvents _stage;
            private readonly Run _run;
            private Action<Task<int>>? _onRead;
            private bool _reading;

            public Logic(UpstreamEvents stage, Run run) : base(stage.Shape)
            {
                _stage = stage;
                _run = run;
                SetHandler(stage._out, this);
            }

            public override void PreStart()
            {
                _onRead = GetAsyncCallback<Task<int>>(Read);
            }

            public override void OnPull() => ReadNext();

            /// <summary>
            /// However the stage stops (downstream cancelled, the kill switch, the end of the body), the upstream goes
            /// with it. The read buffer goes back to the pool unless a read is still in flight (the stream was cut
            /// short while waiting for the vendor): that buffer is left to the garbage collector instead.
            /// </summary>
            public override void PostStop()
            {
                _ = _run.DisposeAsync();
                if (!_reading)
                {
                    _run.ReturnBuffer();
                }
            }

            private void ReadNext()
            {
                while (true)
                {
                    var read = _run.ReadAsync();
                    if (!read.IsCompletedSuccessfully)
                    {
                        _reading = true;
                        _ = read.AsTask().ContinueWith(static (task, state) => ((Action<Task<int>>)state!)(task), _onRead, TaskContinuationOptions.ExecuteSynchronously);
                        return;
                    }

                    if (Delivered(read.Result))
                    {
                        return;
                    }
                }
            }

            private void Read(Task<int> read)
            {
                _reading = false;
                if (!read.IsCompletedSuccessfully)
                {
                    FailStage(read.Exception is { } failed ? failed.GetBaseException() : new OperationCanceledException("The upstream read was cancelled."));
                }
                else if (!Delivered(read.Result))
                {
                    ReadNext();
                }
            }

            /// <summary>Pushes the events of a read, or completes at the body's end; false when the read held no whole event.</summary>
            private bool Delivered(int read)
            {
                if (read == 0)
                {
                    CompleteStage();
                    return true;
                }

                var events = _run.Parse(read);
                if (events.Length == 0)
                {
                    return false;
                }

                Push(_stage._out, new Batch(_run, events));
                return true;
            }
        }
    }
}
