using System.Buffers;
using System.Runtime.ExceptionServices;
using ActorRelay.Core.Sse;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;

namespace ActorRelay.Actors.Streaming;

/// <summary>
/// Carries vendors' server-sent-event bodies to clients through Akka.Streams graphs of two stages: upstream bytes →
/// SSE events (the source) → the caller's async handler, which translates and writes them to the client (the sink). The
/// handler gets the events of one upstream read together, in order, so that it can send them to the client with one
/// flush: events that arrived together leave together, and none waits for a later read.
/// The graph is demand-driven end to end: the next upstream read happens only after the handler has
/// finished with the previous events, so a slow client slows the vendor read and buffers stay bounded
/// (one small read buffer per stream; the events point into it). Cancelling a stream's token (the client left, a
/// deadline) aborts it at once, cancels the pending upstream read and disposes the upstream body.
/// A graph relays one stream at a time and then waits for the next: starting a graph for each stream (its interpreter
/// actor, created and later stopped through the materializer's supervisor) took a sixth of a stream's CPU in the
/// gateway, so finished graphs wait idle, up to <see cref="DefaultMaxIdleGraphs"/> of them by default, for the next one.
/// </summary>
public sealed class SseRelay(ActorMaterializer materializer, int maxIdleGraphs = SseRelay.DefaultMaxIdleGraphs)
{
    /// <summary>
    /// Bytes asked of the upstream body per read, held by every open stream: vendor events are a few hundred bytes, and
    /// HttpClient buffers the connection itself, so a larger buffer only costs memory per stream.
    /// </summary>
    public const int ReadBufferBytes = 4 * 1024;

    /// <summary>
    /// The most graphs kept waiting for a stream unless told otherwise: a node's usual number of streams at once is
    /// served without starting graphs, and a burst beyond it (thousands of open streams) stops its extra graphs as it ends.
    /// </summary>
    public const int DefaultMaxIdleGraphs = 1024;

    /// <summary>Room for the events of one read from the start (a 4 KB read holds up to ~30 chunks of a chat stream).</summary>
    private const int EventsPerRead = 32;

    /// <summary>
    /// The graph, built and fused once; each materialization gets its <see cref="Worker"/> (with the stream it starts
    /// with) as an attribute, so the source has it from the start and reads at the first pull, without waiting for it to
    /// arrive by a message. The whole graph runs fused in one island, so the source reads exactly when the sink asks, and
    /// the sink asks only once the handler is done with the events it had: the events of a read can point into the
    /// read buffer.
    /// </summary>
    private static readonly IGraph<ClosedShape, NotUsed> Blueprint = Fusing.Aggressive(
        Source.FromGraph(new UpstreamEvents()).To(Sink.FromGraph(new ClientEvents())));

    private readonly Stack<Worker> _idle = new();
    private long _graphsStarted;

    /// <summary>Graphs started since this relay was made: with streams one after another, one.</summary>
    internal long GraphsStarted => Interlocked.Read(ref _graphsStarted);

    /// <summary>
    /// Sets up a stream's relay before its upstream has answered: an idle graph is given the stream, or a new one
    /// started; either way that happens while the vendor thinks instead of after it answered. The graph waits for
    /// <see cref="Prepared.RunAsync"/> to give it the upstream body; cancelling <paramref name="cancellationToken"/> (the
    /// client left, a deadline) aborts the stream, whether it runs yet or not.
    /// </summary>
    public Prepared Prepare(CancellationToken cancellationToken)
    {
        var run = new Run(cancellationToken);
        while (TakeIdle() is { } worker)
        {
            if (worker.TryAssign(run))
            {
                return new Prepared(run);
            }
        }

        Interlocked.Increment(ref _graphsStarted);
        materializer.Materialize(Blueprint, new Attributes(new Worker(this, run)));
        return new Prepared(run);
    }

    private Worker? TakeIdle()
    {
        lock (_idle)
        {
            return _idle.TryPop(out var worker) ? worker : null;
        }
    }

    /// <summary>A graph done with its stream waits for the next, unless enough wait already (then it stops).</summary>
    private bool KeepIdle(Worker worker)
    {
        lock (_idle)
        {
            if (_idle.Count >= maxIdleGraphs)
            {
                return false;
            }

            _idle.Push(worker);
            return true;
        }
    }

    /// <summary>A stream's relay waiting for its upstream body. Disposing one that never ran ends its stream.</summary>
    public sealed class Prepared : IAsyncDisposable
    {
        private readonly Run _run;
        private bool _ran;

        internal Prepared(Run run) => _run = run;

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
                await _run.Completion.ConfigureAwait(false);
            }
            finally
            {
                // The graph lets go of the upstream on its own schedule, which can be after the stream has ended; the
                // caller is promised that the upstream body (and with it the vendor call) is gone when this returns.
                await _run.DisposeAsync().ConfigureAwait(false);
            }

            _run.HandlerFailure?.Throw();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_ran)
            {
                // It never ran (the vendor answered with an error, or not at all): an empty body ends the stream quietly.
                _run.Start(Stream.Null, Run.NoHandler);
                try
                {
                    await _run.Completion.ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is OperationCanceledException or AbruptStageTerminationException)
                {
                    // Aborted before it ran, or stopped with the actor system: nothing was relayed and nobody waits for it.
                }
            }
        }
    }

    /// <summary>
    /// One stream: reads the upstream body, once <see cref="Start"/> gives it, into one small pooled buffer and parses
    /// it. The events of a read point into the buffer, so they are handled before the next read overwrites it (the sink
    /// pulls only then). It is also the graph's element: the source pushes it with the events of a read, and once more,
    /// <see cref="Ended"/>, when it is done with it. Disposing is idempotent: the graph and the relay's end both do it.
    /// </summary>
    internal sealed class Run(CancellationToken cancellationToken) : IAsyncDisposable
    {
        /// <summary>The handler until <see cref="Start"/> gives one: no events reach it before the body does.</summary>
        public static readonly Func<IReadOnlyList<SseEvent>, Task> NoHandler = static _ => Task.CompletedTask;

        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        private readonly SseParser _parser = new();
        private readonly List<SseEvent> _parsed = new(EventsPerRead);
        private readonly TaskCompletionSource<Stream> _body = new();
        private readonly TaskCompletionSource _completion = new();
        private Func<IReadOnlyList<SseEvent>, Task> _handleEvents = NoHandler;
        private Action<Run>? _onAbort;
        private int _disposed;

        /// <summary>Who still uses the read buffer: the source stage, and a delivery while its handler runs.</summary>
        private int _bufferHolds = 1;

        public ExceptionDispatchInfo? HandlerFailure { get; private set; }

        /// <summary>Completes when the stream has ended: relayed to its end, its handler failed, aborted or failed.</summary>
        public Task Completion => _completion.Task;

        /// <summary>
        /// Whether the graph is to stop reading the stream: it failed (its caller knows already) or its handler did.
        /// </summary>
        public bool Stopping => _completion.Task.IsCompleted || HandlerFailure is not null;

        /// <summary>Set by the source when it pushes this stream for the last time: the sink then lets go of it too.</summary>
        public bool Ended { get; set; }

        /// <summary>The aborting of this stream: the token the relay was prepared with (the client left, a deadline).</summary>
        public CancellationToken Cancellation => cancellationToken;

        /// <summary>The events of the last <see cref="Parse"/>, valid until the next read.</summary>
        public IReadOnlyList<SseEvent> Events => _parsed;

        /// <summary>
        /// Gives the graph its upstream body and handler, once. The read waiting for the body continues on this thread,
        /// so the first read follows the vendor's answer without a turn of the thread pool. A stream that ended first
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

        /// <summary>
        /// Calls <paramref name="onAbort"/> (an async callback of the stage reading this stream) with this stream when
        /// its token is cancelled; the registration goes with the returned value.
        /// </summary>
        public CancellationTokenRegistration OnAbort(Action<Run> onAbort)
        {
            _onAbort = onAbort;
            return cancellationToken.Register(static run => ((Run)run!)._onAbort!((Run)run), this);
        }

        /// <summary>
        /// The next read of the body. None goes ahead once the stream is cancelled, even before the graph has taken in
        /// its abort (that arrives as a message, possibly after the first pull), and whether or not the body itself
        /// honours the cancellation. It never throws: a body that throws rather than returning a failed read fails it.
        /// </summary>
        public ValueTask<int> ReadAsync()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            if (!_body.Task.IsCompletedSuccessfully)
            {
                return ReadFirstAsync();
            }

            try
            {
                return _body.Task.Result.ReadAsync(Buffer, cancellationToken);
            }
            catch (Exception exception)
            {
                return ValueTask.FromException<int>(exception);
            }
        }

        /// <summary>Parses the bytes of the last read into <see cref="Events"/>; false when they completed no event.</summary>
        public bool Parse(int read)
        {
            _parsed.Clear();
            _parser.Parse(_buffer.AsMemory(0, read), _parsed);
            return _parsed.Count > 0;
        }

        /// <summary>
        /// Hands the events of a read (<see cref="Events"/>) to the handler. A handler failure (typically the client going
        /// away) ends the stream quietly and is rethrown to the caller, instead of failing the stage, which Akka would log
        /// as an error.
        /// </summary>
        public async Task DeliverAsync()
        {
            // The events point into the buffer: it stays this stream's until the handler is done with them, even if the
            // source lets go meanwhile (an abort while the handler waits for a slow client).
            Interlocked.Increment(ref _bufferHolds);
            try
            {
                await _handleEvents(_parsed).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                HandlerFailure = ExceptionDispatchInfo.Capture(exception);
            }
            finally
            {
                ReleaseBuffer();
            }
        }

        /// <summary>
        /// Lets go of the read buffer: the source stage does once it is done with the stream and no read is in flight (a
        /// read still pending could write into a buffer that another stream then holds, so with one pending it never
        /// lets go and the buffer is left to the garbage collector), a delivery once its handler is done. The last to let
        /// go returns it to the pool.
        /// </summary>
        public void ReleaseBuffer()
        {
            if (Interlocked.Decrement(ref _bufferHolds) == 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
        }

        /// <summary>
        /// The graph has let go of the stream: it was relayed to its end, or its handler failed (<see cref="HandlerFailure"/>),
        /// unless it failed before.
        /// </summary>
        public void Finish() => _completion.TrySetResult();

        /// <summary>The stream failed (its upstream, its abort, the graph stopping): its caller gets the failure at once.</summary>
        public void Fail(Exception failure) => _completion.TrySetException(failure);

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return ValueTask.CompletedTask;
            }

            return _body.TrySetCanceled() ? ValueTask.CompletedTask : _body.Task.Result.DisposeAsync();
        }

        /// <summary>
        /// The read that waited for the body. The client may have left while it waited, with the stream's abort still on
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
    /// What the two stages of one graph share: the stream it is given next (from any thread), and the way back to the
    /// relay's idle graphs. It is an attribute only to reach its materialization's stages.
    /// </summary>
    internal sealed class Worker(SseRelay relay, Run first) : Attributes.IAttribute
    {
        private Run? _assigned = first;
        private Action? _wake;
        private int _stopped;

        /// <summary>
        /// Gives an idle graph its next stream, from any thread; false when the graph has stopped (the actor system is
        /// shutting down) and the stream must go elsewhere.
        /// </summary>
        public bool TryAssign(Run run)
        {
            Interlocked.Exchange(ref _assigned, run);
            if (Volatile.Read(ref _stopped) == 0)
            {
                _wake!();
                return true;
            }

            // Stopped meanwhile: take the stream back, unless the stopping graph took it first (then it failed it).
            return Interlocked.CompareExchange(ref _assigned, null, run) != run;
        }

        /// <summary>The source's way to be told of a stream (an async callback): set before the graph is first idle.</summary>
        public void OnAssigned(Action wake) => _wake = wake;

        /// <summary>The stream given to this graph and not yet taken, if any.</summary>
        public Run? Take() => Interlocked.Exchange(ref _assigned, null);

        /// <summary>Both stages are done with their stream: false when the graph is not wanted idle and stops.</summary>
        public bool Idle() => relay.KeepIdle(this);

        /// <summary>The graph has stopped: a stream given to it and not taken fails, rather than wait forever.</summary>
        public void Stopped(Exception failure)
        {
            Interlocked.Exchange(ref _stopped, 1);
            Take()?.Fail(failure);
        }
    }

    /// <summary>
    /// The source: takes the streams its graph is given, one at a time, and reads and parses each upstream body only
    /// when downstream pulls, pushing the stream after each read that completed any events. When it is done with a
    /// stream (the body's end, a failed read, the stream aborted or its handler failed) it pushes the stream once more,
    /// <see cref="Run.Ended"/>, and waits for the next.
    /// </summary>
    private sealed class UpstreamEvents : GraphStage<SourceShape<Run>>
    {
        private readonly Outlet<Run> _out = new("upstream-sse.out");

        public UpstreamEvents() => Shape = new SourceShape<Run>(_out);

        public override SourceShape<Run> Shape { get; }

        protected override Attributes InitialAttributes { get; } = Attributes.CreateName("upstream-sse");

        protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, WorkerOf(inheritedAttributes));

        private sealed class Logic : OutGraphStageLogic
        {
            private readonly UpstreamEvents _stage;
            private readonly Worker _worker;
            private Action<Task<int>>? _onRead;
            private Action<Run>? _onAbort;
            private Run? _run;
            private CancellationTokenRegistration _abort;
            private bool _reading;

            public Logic(UpstreamEvents stage, Worker worker) : base(stage.Shape)
            {
                _stage = stage;
                _worker = worker;
                SetHandler(stage._out, this);
            }

            public override void PreStart()
            {
                _onRead = GetAsyncCallback<Task<int>>(Read);
                _onAbort = GetAsyncCallback<Run>(Abort);
                _worker.OnAssigned(GetAsyncCallback(TakeNext));
                TakeNext();
            }

            public override void OnPull()
            {
                // No stream yet (an idle graph's sink asks ahead); a read is never in flight here, it starts only at a pull.
                if (_run is null)
                {
                    return;
                }

                if (_run.Stopping)
                {
                    Release();
                }
                else
                {
                    ReadNext();
                }
            }

            /// <summary>
            /// The graph stops (the actor system shuts down, or the relay has enough idle graphs): a stream it still has,
            /// or was given meanwhile, fails; its upstream goes, and the read buffer unless a read is still in flight.
            /// </summary>
            public override void PostStop()
            {
                var stopped = new AbruptStageTerminationException(this);
                _worker.Stopped(stopped);
                if (_run is not null)
                {
                    _abort.Unregister();
                    _run.Fail(stopped);
                    _ = _run.DisposeAsync();
                    if (!_reading)
                    {
                        _run.ReleaseBuffer();
                    }
                }
            }

            /// <summary>Takes the stream the graph was given; its first read starts at once if the sink waits.</summary>
            private void TakeNext()
            {
                if (_run is not null || _worker.Take() is not { } run)
                {
                    return;
                }

                _run = run;
                _abort = run.OnAbort(_onAbort!);
                if (IsAvailable(_stage._out))
                {
                    ReadNext();
                }
            }

            /// <summary>
            /// The stream's token fired: it ends for its caller now, its upstream goes, and the graph lets go of it as soon
            /// as no read is in flight and the sink is not handing it events (a slow client), which the sink's pull tells.
            /// </summary>
            private void Abort(Run run)
            {
                if (run != _run || run.Completion.IsCompleted)
                {
                    return;
                }

                run.Fail(new OperationCanceledException("The client went away.", run.Cancellation));
                _ = run.DisposeAsync();
                if (!_reading && IsAvailable(_stage._out))
                {
                    Release();
                }
            }

            private void ReadNext()
            {
                while (true)
                {
                    var read = _run!.ReadAsync();
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
                if (_run!.Stopping)
                {
                    Release();
                }
                else if (!read.IsCompletedSuccessfully)
                {
                    _run.Fail(read.Exception is { } failed ? failed.GetBaseException() : new OperationCanceledException("The upstream read was cancelled."));
                    Release();
                }
                else if (!Delivered(read.Result))
                {
                    ReadNext();
                }
            }

            /// <summary>Pushes the events of a read, or lets go at the body's end; false when the read held no whole event.</summary>
            private bool Delivered(int read)
            {
                if (read == 0)
                {
                    Release();
                    return true;
                }

                if (!_run!.Parse(read))
                {
                    return false;
                }

                Push(_stage._out, _run);
                return true;
            }

            /// <summary>
            /// Done with the stream (pulled, no read in flight): its upstream and the source's hold on its buffer go, and
            /// the sink gets it once more, ended, to let go of it too.
            /// </summary>
            private void Release()
            {
                var run = _run!;
                _run = null;
                _abort.Unregister();
                _abort = default; // an idle graph holds nothing of its last stream (the registration reaches its token's source)
                _ = run.DisposeAsync();
                run.ReleaseBuffer();
                run.Ended = true;
                Push(_stage._out, run);
            }
        }
    }

    /// <summary>
    /// The sink: hands each pushed batch of a stream's events to the stream's handler and pulls the next only once the
    /// handler is done with it. At a stream pushed as ended, the graph goes idle for its next stream (or stops, when the
    /// relay has enough idle graphs), and then the stream is complete for its caller (unless it failed before): a
    /// caller that prepares another stream at once finds the graph idle.
    /// </summary>
    private sealed class ClientEvents : GraphStage<SinkShape<Run>>
    {
        private readonly Inlet<Run> _in = new("client-sse.in");

        public ClientEvents() => Shape = new SinkShape<Run>(_in);

        public override SinkShape<Run> Shape { get; }

        protected override Attributes InitialAttributes { get; } = Attributes.CreateName("client-sse");

        protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, WorkerOf(inheritedAttributes));

        private sealed class Logic : InGraphStageLogic
        {
            private readonly ClientEvents _stage;
            private readonly Worker _worker;
            private Action? _onDelivered;

            public Logic(ClientEvents stage, Worker worker) : base(stage.Shape)
            {
                _stage = stage;
                _worker = worker;
                SetHandler(stage._in, this);
            }

            public override void PreStart()
            {
                _onDelivered = GetAsyncCallback(Delivered);
                Pull(_stage._in);
            }

            public override void OnPush()
            {
                var run = Grab(_stage._in);
                if (run.Ended)
                {
                    if (_worker.Idle())
                    {
                        Pull(_stage._in);
                    }
                    else
                    {
                        CompleteStage();
                    }

                    run.Finish();
                    return;
                }

                var delivery = run.DeliverAsync();
                if (delivery.IsCompleted)
                {
                    Delivered();
                    return;
                }

                _ = delivery.ContinueWith(static (_, state) => ((Action)state!)(), _onDelivered, TaskContinuationOptions.ExecuteSynchronously);
            }

            /// <summary>The handler is done with a batch: on to the next (a handler that failed stops the source at the pull).</summary>
            private void Delivered() => Pull(_stage._in);
        }
    }

    private static Worker WorkerOf(Attributes attributes) =>
        attributes.GetAttribute<Worker>() ?? throw new InvalidOperationException("The SSE relay graph was materialized without its worker.");
}
