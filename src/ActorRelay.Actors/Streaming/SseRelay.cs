using System.Buffers;
using System.Runtime.ExceptionServices;
using ActorRelay.Core.Sse;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;

namespace ActorRelay.Actors.Streaming;

/// <summary>
/// Carries a vendor's server-sent-event body to a client through an Akka.Streams graph of two stages: upstream bytes →
/// SSE events (the source) → the caller's async handler, which translates and writes them to the client (the sink). The
/// handler gets the events of one upstream read together, in order, so that it can send them to the client with one
/// flush: events that arrived together leave together, and none waits for a later read.
/// The graph is demand-driven end to end: the next upstream read happens only after the handler has
/// finished with the previous events, so a slow client slows the vendor read and buffers stay bounded
/// (one small read buffer per stream; the events point into it). Cancelling
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

    /// <summary>Room for the events of one read from the start (a 4 KB read holds up to ~30 chunks of a chat stream).</summary>
    private const int EventsPerRead = 32;

    /// <summary>
    /// The graph, built and fused once: a stream only materializes it (building and fusing a graph per stream cost more
    /// than running it). Each materialization gets its stream (upstream and handler) as an attribute, so the source has
    /// it from the start and reads at the first pull, without waiting for it to arrive by a message. The whole graph runs
    /// fused in one island, so the source reads exactly when the sink asks, and the sink asks only once the handler is
    /// done with the events it had: the events of a read can point into the read buffer.
    /// </summary>
    private static readonly IGraph<ClosedShape, Task<Done>> Blueprint = Fusing.Aggressive(
        Source.FromGraph(new UpstreamEvents()).ToMaterialized(Sink.FromGraph(new ClientEvents()), Keep.Right));

    /// <summary>
    /// Materializes a stream's graph before its upstream has answered: the graph's start (its interpreter actor, created
    /// through the materializer's supervisor, two turns of the thread pool) then overlaps the vendor's time to first
    /// byte instead of following it. The graph waits for <see cref="Prepared.RunAsync"/> to give it the upstream body;
    /// cancelling <paramref name="cancellationToken"/> (the client left, a deadline) aborts it, whether it runs yet or not.
    /// </summary>
    public static Prepared Prepare(ActorMaterializer materializer, CancellationToken cancellationToken)
    {
        var run = new Run(cancellationToken);
        return new Prepared(run, materializer.Materialize(Blueprint, new Attributes(run)));
    }

    /// <summary>A materialized relay graph waiting for its upstream body. Disposing one that never ran ends its graph.</summary>
    public sealed class Prepared : IAsyncDisposable
    {
        private readonly Run _run;
        private readonly Task<Done> _completion;
        private bool _ran;

        internal Prepared(Run run, Task<Done> completion)
        {
            _run = run;
            _completion = completion;
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
            if (!_ran)
            {
                // It never ran (the vendor answered with an error, or not at all): an empty body ends the graph quietly.
                _run.Start(Stream.Null, Run.NoHandler);
                try
                {
                    await _completion.ConfigureAwait(false);
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
    /// pulls only then). Disposing is idempotent: the graph and the relay's end both do it. It is an attribute only to
    /// reach its materialization's stages.
    /// </summary>
    internal sealed class Run(CancellationToken cancellationToken) : IAsyncDisposable, Attributes.IAttribute
    {
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        private readonly SseParser _parser = new();
        private readonly List<SseEvent> _parsed = new(EventsPerRead);
        /// <summary>The handler until <see cref="Start"/> gives one: no events reach it before the body does.</summary>
        public static readonly Func<IReadOnlyList<SseEvent>, Task> NoHandler = static _ => Task.CompletedTask;

        private readonly TaskCompletionSource<Stream> _body = new();
        private Func<IReadOnlyList<SseEvent>, Task> _handleEvents = NoHandler;
        private int _disposed;

        /// <summary>Who still uses the read buffer: the source stage, and a delivery while its handler runs.</summary>
        private int _bufferHolds = 1;

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

        /// <summary>
        /// The next read of the body. None goes ahead once the stream is cancelled, even before the graph has taken in
        /// its abort (that arrives as a message, possibly after the first pull), and whether or not the body itself
        /// honours the cancellation.
        /// </summary>
        public ValueTask<int> ReadAsync() =>
            cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken)
            : _body.Task.IsCompletedSuccessfully ? _body.Task.Result.ReadAsync(Buffer, cancellationToken)
            : ReadFirstAsync();

        /// <summary>The aborting of this stream: the token the relay was prepared with (the client left, a deadline).</summary>
        public CancellationToken Cancellation => cancellationToken;

        /// <summary>The events of the last <see cref="Parse"/>, valid until the next read.</summary>
        public IReadOnlyList<SseEvent> Events => _parsed;

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
        public async Task<bool> DeliverAsync(IReadOnlyList<SseEvent> events)
        {
            // The events point into the buffer: it stays this stream's until the handler is done with them, even if the
            // source stops meanwhile (an abort while the handler waits for a slow client).
            Interlocked.Increment(ref _bufferHolds);
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
            finally
            {
                ReleaseBuffer();
            }
        }

        /// <summary>
        /// Lets go of the read buffer: the source stage does once it stops with no read in flight (a read still pending
        /// could write into a buffer that another stream then holds, so with one pending it never lets go and the buffer
        /// is left to the garbage collector), a delivery once its handler is done. The last to let go returns it to the pool.
        /// </summary>
        public void ReleaseBuffer()
        {
            if (Interlocked.Decrement(ref _bufferHolds) == 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
        }

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
    /// downstream pulls, pushing the stream's parsed events after each read that completed any; ends with the body, and
    /// fails with <see cref="OperationCanceledException"/> when the stream's cancellation fires.
    /// </summary>
    private sealed class UpstreamEvents : GraphStage<SourceShape<IReadOnlyList<SseEvent>>>
    {
        private readonly Outlet<IReadOnlyList<SseEvent>> _out = new("upstream-sse.out");

        public UpstreamEvents() => Shape = new SourceShape<IReadOnlyList<SseEvent>>(_out);

        public override SourceShape<IReadOnlyList<SseEvent>> Shape { get; }

        protected override Attributes InitialAttributes { get; } = Attributes.CreateName("upstream-sse");

        protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, RunOf(inheritedAttributes));

        private sealed class Logic : OutGraphStageLogic
        {
            private readonly UpstreamEvents _stage;
            private readonly Run _run;
            private Action<Task<int>>? _onRead;
            private CancellationTokenRegistration _abort;
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
                var cancellation = _run.Cancellation;
                var abort = GetAsyncCallback(() => FailStage(new OperationCanceledException("The client went away.", cancellation)));
                _abort = cancellation.Register(abort);
            }

            public override void OnPull() => ReadNext();

            /// <summary>
            /// However the stage stops (the sink cancelled, the abort, the end of the body), the upstream goes with it, and
            /// the stage lets go of the read buffer unless a read is still in flight (the stream was cut short while
            /// waiting for the vendor).
            /// </summary>
            public override void PostStop()
            {
                _abort.Unregister();
                _ = _run.DisposeAsync();
                if (!_reading)
                {
                    _run.ReleaseBuffer();
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

                if (!_run.Parse(read))
                {
                    return false;
                }

                Push(_stage._out, _run.Events);
                return true;
            }
        }
    }

    /// <summary>
    /// The sink: hands each pushed batch of events to its stream's handler and pulls the next only once the handler is
    /// done with it. It completes its task at the end of the body (after the handler's last delivery) or once the
    /// handler failed (the failure is kept on the <see cref="Run"/>), and fails it with the source's failure at once.
    /// </summary>
    private sealed class ClientEvents : GraphStageWithMaterializedValue<SinkShape<IReadOnlyList<SseEvent>>, Task<Done>>
    {
        private readonly Inlet<IReadOnlyList<SseEvent>> _in = new("client-sse.in");

        public ClientEvents() => Shape = new SinkShape<IReadOnlyList<SseEvent>>(_in);

        public override SinkShape<IReadOnlyList<SseEvent>> Shape { get; }

        protected override Attributes InitialAttributes { get; } = Attributes.CreateName("client-sse");

        public override ILogicAndMaterializedValue<Task<Done>> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
        {
            var logic = new Logic(this, RunOf(inheritedAttributes));
            return new LogicAndMaterializedValue<Task<Done>>(logic, logic.Completion.Task);
        }

        private sealed class Logic : InGraphStageLogic
        {
            private readonly ClientEvents _stage;
            private readonly Run _run;
            private Action<bool>? _onDelivered;
            private bool _delivering;

            public Logic(ClientEvents stage, Run run) : base(stage.Shape)
            {
                _stage = stage;
                _run = run;
                SetHandler(stage._in, this);
            }

            public TaskCompletionSource<Done> Completion { get; } = new();

            public override void PreStart()
            {
                _onDelivered = GetAsyncCallback<bool>(Delivered);
                Pull(_stage._in);
            }

            public override void OnPush()
            {
                var delivery = _run.DeliverAsync(Grab(_stage._in));
                if (delivery.IsCompletedSuccessfully)
                {
                    Delivered(delivery.Result);
                    return;
                }

                _delivering = true;
                _ = delivery.ContinueWith(static (task, state) => ((Action<bool>)state!)(task.Result), _onDelivered, TaskContinuationOptions.ExecuteSynchronously);
            }

            public override void OnUpstreamFinish()
            {
                if (!_delivering)
                {
                    Finish();
                }
            }

            public override void OnUpstreamFailure(Exception e)
            {
                Completion.TrySetException(e);
                FailStage(e);
            }

            public override void PostStop() =>
                Completion.TrySetException(new AbruptStageTerminationException(this));

            /// <summary>The handler is done with a batch: on to the next, or the end (the body's, or the handler's failure).</summary>
            private void Delivered(bool delivered)
            {
                _delivering = false;
                if (!delivered || IsClosed(_stage._in))
                {
                    Finish();
                }
                else
                {
                    Pull(_stage._in);
                }
            }

            private void Finish()
            {
                Completion.TrySetResult(Done.Instance);
                CompleteStage();
            }
        }
    }

    private static Run RunOf(Attributes attributes) =>
        attributes.GetAttribute<Run>() ?? throw new InvalidOperationException("The SSE relay graph was materialized without its stream.");
}
