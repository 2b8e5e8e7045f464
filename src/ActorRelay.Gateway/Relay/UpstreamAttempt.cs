using System.Diagnostics;
using ActorRelay.Actors.Streaming;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Policy;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Lifecycle;
using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Routing;
using ActorRelay.Gateway.Upstream;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// One call to one deployment, under its channel's timeouts: connect, first token (the first SSE event, or the whole
/// answer of a non-stream), stall (silence between events) and total. Nothing reaches the client before the vendor's
/// first event (or whole answer), so a failure up to then is returned for the attempt loop to fall back or retry; a
/// failure after it ends the stream with an SSE error event and bills what was delivered. A channel that speaks another
/// protocol than OpenAI gets a translated request; its answer, stream events and errors are translated back to OpenAI's
/// shape, then into the client's protocol (<see cref="ClientProtocol"/>). The OpenAI-to-OpenAI path translates nothing.
/// </summary>
internal sealed partial class UpstreamAttempt(UpstreamClient upstream, SseRelay relays, GatewayDrain drain, ILogger<UpstreamAttempt> logger)
{
    private const int ClientClosedRequest = 499;

    /// <summary>
    /// The most of a vendor's non-stream answer the gateway holds (a whole answer is held to be translated and billed):
    /// a vendor that sends more, declared or chunked, gets its call cut at the first byte past it.
    /// </summary>
    private const long MaxAnswerBytes = 64L * 1024 * 1024;

    /// <summary>The most of a vendor's error body read: its start is quoted to the client (or passed through), never more.</summary>
    private const long MaxErrorBodyBytes = 1024 * 1024;

    public async Task<AttemptResult> RunAsync(HttpContext context, RelayRequest request, ResolvedRoute route, string requestId, CallTally tally, ResponseRecorder? recorder)
    {
        var aborted = context.RequestAborted;
        var channel = route.Channel;
        var protocol = VendorProtocols.For(channel.ProtocolKind);
        UpstreamCall call;
        try
        {
            call = request.ToUpstreamCall(protocol, route.VendorModel);
        }
        catch (TranslationException exception)
        {
            return AttemptResult.Before(FailureKind.HttpStatus, new ClientError(StatusCodes.Status400BadRequest,
                $"Channel '{route.ChannelId}' ({protocol.Kind}) cannot take this request: {exception.Message}", OpenAiErrorTypes.InvalidRequest, "unsupported_by_channel"),
                StatusCodes.Status400BadRequest);
        }

        var timer = new AttemptTimer(channel);
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        watchdog.CancelAfter(timer.FirstTokenDeadline);
        // A stream gets its relay graph while the vendor thinks, not after it answered (see SseRelay.Prepare).
        await using var relay = request is ChatRequest { Stream: true } ? relays.Prepare(watchdog.Token) : null;
        HttpResponseMessage response;
        try
        {
            response = await upstream.SendAsync(route, call, requestId, watchdog.Token);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return TimedOut(route, timer);
        }
        catch (HttpRequestException exception)
        {
            LogUpstreamUnreachable(exception, route.ChannelId);
            return exception.InnerException is TimeoutException
                ? AttemptResult.Before(FailureKind.Timeout, new ClientError(StatusCodes.Status504GatewayTimeout,
                    $"Channel '{route.ChannelId}' could not be connected to within {channel.ConnectTimeoutSeconds:0.###} s.", OpenAiErrorTypes.Timeout, "upstream_timeout"))
                : AttemptResult.Before(FailureKind.Connect, new ClientError(StatusCodes.Status502BadGateway,
                    $"Channel '{route.ChannelId}' could not be reached: {exception.HttpRequestError}.", OpenAiErrorTypes.Upstream, "upstream_unreachable"));
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                return await VendorErrorAsync(route, protocol, response, tally, watchdog.Token);
            }

            return relay is not null
                ? await StreamAsync(context, (ChatRequest)request, route, protocol, response, relay, tally, recorder, timer, watchdog)
                : await BodyAsync(context, request, route, protocol, response, tally, recorder, timer, watchdog.Token);
        }
    }

    private static AttemptResult TimedOut(ResolvedRoute route, AttemptTimer timer) =>
        AttemptResult.Before(FailureKind.Timeout, new ClientError(StatusCodes.Status504GatewayTimeout,
            $"Channel '{route.ChannelId}' did not answer within {timer.FirstTokenDeadline.TotalSeconds:0.###} s.", OpenAiErrorTypes.Timeout, "upstream_timeout"));

    private static async Task<AttemptResult> BodyAsync(
        HttpContext context, RelayRequest request, ResolvedRoute route, IVendorProtocol protocol, HttpResponseMessage response, CallTally tally,
        ResponseRecorder? recorder, AttemptTimer timer, CancellationToken deadline)
    {
        var aborted = context.RequestAborted;
        byte[] body;
        try
        {
            body = await Bodies.ReadAsync(response.Content, MaxAnswerBytes, deadline);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return TimedOut(route, timer);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            return AttemptResult.Before(FailureKind.Interrupted, new ClientError(StatusCodes.Status502BadGateway,
                $"Channel '{route.ChannelId}' dropped the connection before its answer was complete.", OpenAiErrorTypes.Upstream, "upstream_interrupted"));
        }
        catch (BodyTooLargeException)
        {
            return AttemptResult.Before(FailureKind.HttpStatus, new ClientError(StatusCodes.Status502BadGateway,
                $"Channel '{route.ChannelId}' answered with more than {MaxAnswerBytes / (1024 * 1024)} MB.", OpenAiErrorTypes.Upstream, "upstream_response_too_large"),
                StatusCodes.Status502BadGateway);
        }

        var latencyMs = timer.ElapsedMs;
        string contentType;
        try
        {
            (body, contentType) = request.Answer(body, response.Content.Headers.ContentType?.ToString() ?? "application/json", protocol, route, tally);
        }
        catch (TranslationException exception)
        {
            return AttemptResult.Before(FailureKind.HttpStatus, new ClientError(StatusCodes.Status502BadGateway,
                $"Channel '{route.ChannelId}' answered with a body that could not be translated: {exception.Message}", OpenAiErrorTypes.Upstream, "upstream_invalid_response"),
                StatusCodes.Status502BadGateway);
        }

        tally.Status = CallStatus.Succeeded;
        tally.HttpStatus = StatusCodes.Status200OK;
        tally.FirstByteSent = true;
        if (recorder is not null)
        {
            recorder.ContentType = contentType;
            recorder.Append(body);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        try
        {
            await context.Response.Body.WriteAsync(body, aborted);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            tally.Status = CallStatus.ClientAborted;
            tally.HttpStatus = ClientClosedRequest;
            return AttemptResult.ClientGone;
        }

        return AttemptResult.Success(latencyMs);
    }

    private async Task<AttemptResult> StreamAsync(
        HttpContext context, ChatRequest request, ResolvedRoute route, IVendorProtocol protocol, HttpResponseMessage response, SseRelay.Prepared relay,
        CallTally tally, ResponseRecorder? recorder, AttemptTimer timer, CancellationTokenSource watchdog)
    {
        var aborted = context.RequestAborted;
        var vendor = protocol.Kind == VendorProtocolKind.OpenAI ? null : protocol.CreateStreamTranslator(route.VendorModel);
        var stream = new StreamState(context.Response, request, tally, recorder, timer, watchdog, vendor, request.Client.CreateStreamTranslator(request.Model));
        if (recorder is not null)
        {
            recorder.ContentType = StreamState.ContentType;
        }

        GatewayMetrics.StreamsInFlight.Inc();
        using var cutAtDrainEnd = drain.Expired.Register(watchdog.Cancel);
        try
        {
            var upstreamBody = await response.Content.ReadAsStreamAsync(watchdog.Token);
            await relay.RunAsync(upstreamBody, stream.ForwardAsync);
            if (await stream.CompleteAsync())
            {
                tally.Status = CallStatus.Succeeded;
                return AttemptResult.Success(stream.FirstEventMs);
            }

            return await FailStreamAsync(stream, FailureKind.Interrupted, CallStatus.UpstreamFailed, new ClientError(StatusCodes.Status502BadGateway,
                $"Channel '{route.ChannelId}' ended the stream before it was complete.", OpenAiErrorTypes.Upstream, "upstream_interrupted"));
        }
        catch (Exception) when (tally.ClientGone || aborted.IsCancellationRequested)
        {
            tally.Status = CallStatus.ClientAborted;
            tally.HttpStatus = ClientClosedRequest;
            return AttemptResult.ClientGone;
        }
        catch (Exception) when (watchdog.IsCancellationRequested && drain.Expired.IsCancellationRequested)
        {
            LogStreamCutByShutdown(route.ChannelId);
            GatewayMetrics.StreamsCutByShutdown.Inc();
            return await FailStreamAsync(stream, FailureKind.Cancelled, CallStatus.TimedOut, new ClientError(StatusCodes.Status503ServiceUnavailable,
                "The gateway node is shutting down and its drain timeout ran out; the stream was ended. Retry the request.", OpenAiErrorTypes.Server, "server_shutting_down"));
        }
        catch (Exception) when (watchdog.IsCancellationRequested)
        {
            var (limit, message) = !tally.FirstByteSent
                ? ("first-token", $"Channel '{route.ChannelId}' sent no event within {timer.FirstTokenDeadline.TotalSeconds:0.###} s.")
                : timer.TotalExpired
                    ? ("total", $"Channel '{route.ChannelId}' did not finish the stream within {route.Channel.TotalTimeoutSeconds:0.###} s; it was cut.")
                    : ("stall", $"Channel '{route.ChannelId}' stalled for {route.Channel.StallTimeoutSeconds:0.###} s; the stream was cut.");
            LogStreamTimedOut(route.ChannelId, limit);
            return await FailStreamAsync(stream, FailureKind.Timeout, CallStatus.TimedOut,
                new ClientError(StatusCodes.Status504GatewayTimeout, message, OpenAiErrorTypes.Timeout, "upstream_timeout"));
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or InvalidDataException)
        {
            LogStreamInterrupted(exception, route.ChannelId);
            return await FailStreamAsync(stream, FailureKind.Interrupted, CallStatus.UpstreamFailed, new ClientError(StatusCodes.Status502BadGateway,
                $"Channel '{route.ChannelId}' dropped the stream before it was complete.", OpenAiErrorTypes.Upstream, "upstream_interrupted"));
        }
        finally
        {
            GatewayMetrics.StreamsInFlight.Dec();
        }
    }

    /// <summary>Before the first event nothing was sent: the error waits for the attempt loop. After it, the stream ends with an SSE error event.</summary>
    private static async Task<AttemptResult> FailStreamAsync(StreamState stream, FailureKind kind, CallStatus status, ClientError error)
    {
        if (!stream.Tally.FirstByteSent)
        {
            return AttemptResult.Before(kind, error);
        }

        stream.Tally.Status = status;
        try
        {
            await stream.SendAsync(ErrorResponses.OpenAiSseEvent(error.Message, error.Type, error.Code));
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            stream.Tally.Status = CallStatus.ClientAborted;
            stream.Tally.HttpStatus = ClientClosedRequest;
            return AttemptResult.ClientGone;
        }

        return AttemptResult.After(kind);
    }

    private static async Task<AttemptResult> VendorErrorAsync(ResolvedRoute route, IVendorProtocol protocol, HttpResponseMessage response, CallTally tally, CancellationToken deadline)
    {
        tally.VendorRefused = true;
        tally.Status = CallStatus.UpstreamFailed;
        var vendorStatus = (int)response.StatusCode;
        byte[] vendorBody;
        try
        {
            vendorBody = await Bodies.ReadAsync(response.Content, MaxErrorBodyBytes, deadline);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException or BodyTooLargeException)
        {
            // No (whole) body: the client gets the vendor's status with no vendor detail.
            vendorBody = [];
        }

        var retryAfter = response.Headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);

        if (protocol.Kind != VendorProtocolKind.OpenAI)
        {
            vendorBody = protocol.TranslateError(vendorStatus, vendorBody);
        }

        // A vendor 4xx is about the request: the client gets the vendor's status, and its (translated) OpenAI error body.
        var passThrough = vendorStatus is >= 400 and < 500 && ChatCompletionInspector.IsErrorEnvelope(vendorBody);
        var detail = System.Text.Encoding.UTF8.GetString(vendorBody.AsSpan(0, Math.Min(vendorBody.Length, 512)));
        var error = new ClientError(
            vendorStatus is >= 400 and < 500 ? vendorStatus : StatusCodes.Status502BadGateway,
            $"Channel '{route.ChannelId}' answered HTTP {vendorStatus}: {detail}",
            vendorStatus == StatusCodes.Status429TooManyRequests ? OpenAiErrorTypes.RateLimit : OpenAiErrorTypes.Upstream,
            $"upstream_http_{vendorStatus}",
            passThrough ? vendorBody : null,
            retryAfter?.ToString());
        return AttemptResult.Before(FailureKind.HttpStatus, error, vendorStatus, wait);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel {Channel} could not be reached")]
    private partial void LogUpstreamUnreachable(Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel {Channel} interrupted a stream")]
    private partial void LogStreamInterrupted(Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A stream on channel {Channel} was ended because the node's drain timeout ran out")]
    private partial void LogStreamCutByShutdown(string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel {Channel} missed its {Limit} timeout")]
    private partial void LogStreamTimedOut(string channel, string limit);

    /// <summary>The attempt's clock: the first-token deadline, then the stall timeout re-armed on every event, never past the total.</summary>
    private sealed class AttemptTimer(Options.ChannelOptions channel)
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly TimeSpan _total = TimeSpan.FromSeconds(channel.TotalTimeoutSeconds);
        private readonly TimeSpan _stall = TimeSpan.FromSeconds(channel.StallTimeoutSeconds);

        public TimeSpan FirstTokenDeadline => Min(TimeSpan.FromSeconds(channel.TimeoutSeconds), _total);

        public double ElapsedMs => Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

        public bool TotalExpired => Stopwatch.GetElapsedTime(_started) >= _total;

        /// <summary>How long the next event may take: the stall timeout, or what is left of the total.</summary>
        public TimeSpan NextEventDeadline => Min(_stall, _total - Stopwatch.GetElapsedTime(_started));

        private static TimeSpan Min(TimeSpan left, TimeSpan right) => left < right ? left : right;
    }

    /// <summary>
    /// The client side of one streamed attempt: translates vendor events to OpenAI chunks (unless the vendor speaks OpenAI),
    /// reads usage from them, translates them into the client's protocol (unless it is OpenAI's), commits the response on
    /// the first event written and forwards the rest.
    /// </summary>
    private sealed class StreamState(
        HttpResponse client, ChatRequest request, CallTally tally, ResponseRecorder? recorder, AttemptTimer timer, CancellationTokenSource watchdog,
        IStreamTranslator? vendor, IStreamTranslator? clientProtocol)
    {
        public const string ContentType = "text/event-stream; charset=utf-8";

        private readonly List<SseEvent> _chunks = vendor is null ? [] : new List<SseEvent>(4);
        private readonly List<SseEvent> _clientEvents = clientProtocol is null ? [] : new List<SseEvent>(4);

        public CallTally Tally => tally;

        public double FirstEventMs { get; private set; }

        /// <summary>The vendor events of one upstream read: written to the client in its protocol, then flushed once.</summary>
        public async Task ForwardAsync(IReadOnlyList<SseEvent> events)
        {
            var next = timer.NextEventDeadline;
            watchdog.CancelAfter(next > TimeSpan.Zero ? next : TimeSpan.FromTicks(1));
            // By index: a foreach over the interface would box the list's enumerator for every read.
            for (var i = 0; i < events.Count; i++)
            {
                var sse = events[i];
                if (vendor is null)
                {
                    await RelayChunkAsync(sse);
                    continue;
                }

                _chunks.Clear();
                vendor.Translate(sse, _chunks);
                foreach (var chunk in _chunks)
                {
                    await RelayChunkAsync(chunk);
                }
            }

            await FlushAsync();
        }

        /// <summary>
        /// The vendor's body ended: true when its stream was complete by its protocol (a translated stream then gets its
        /// closing chunks), false when it was cut.
        /// </summary>
        public async Task<bool> CompleteAsync()
        {
            if (vendor is null)
            {
                return tally.SawDone;
            }

            if (!vendor.InputCompleted)
            {
                return false;
            }

            _chunks.Clear();
            vendor.Complete(_chunks);
            foreach (var chunk in _chunks)
            {
                await RelayChunkAsync(chunk);
            }

            await FlushAsync();
            tally.ReportedUsage = vendor.Usage ?? tally.ReportedUsage;
            return true;
        }

        /// <summary>One OpenAI chunk (or <c>[DONE]</c>): counted, then written in the client's protocol.</summary>
        private async Task RelayChunkAsync(SseEvent sse)
        {
            if (sse.IsDone)
            {
                tally.SawDone = true;
                await WriteClientAsync(sse);
                return;
            }

            var facts = ChatCompletionInspector.Inspect(sse.Data.Span, tally.DeliveredText);
            if (facts.Usage is { } usage)
            {
                tally.ReportedUsage = usage;
            }

            if (facts.ContentBytes > 0)
            {
                tally.ContentBytes += facts.ContentBytes;
                if (tally.FirstTokenTimestamp == 0)
                {
                    tally.FirstTokenTimestamp = Stopwatch.GetTimestamp();
                }
            }

            // The usage-only chunk exists because the gateway asked for it; a client that did not ask never sees it.
            if (facts is { Choices: 0, Usage: not null } && !request.ClientWantsUsage)
            {
                return;
            }

            await WriteClientAsync(sse);
        }

        /// <summary>Writes one OpenAI event in the client's protocol and sends it at once.</summary>
        public async Task SendAsync(SseEvent sse)
        {
            await WriteClientAsync(sse);
            await FlushAsync();
        }

        /// <summary>Writes one OpenAI event in the client's protocol.</summary>
        private async Task WriteClientAsync(SseEvent sse)
        {
            if (clientProtocol is null)
            {
                await WriteAsync(sse.IsDone ? SseEvent.Done : sse);
                return;
            }

            _clientEvents.Clear();
            clientProtocol.Translate(sse, _clientEvents);
            foreach (var translated in _clientEvents)
            {
                await WriteAsync(translated);
            }
        }

        /// <summary>
        /// Writes one event straight into the response pipe in wire format, committing the response first; it reaches the
        /// client at the next <see cref="FlushAsync"/>. A failed write means the client left.
        /// </summary>
        private async ValueTask WriteAsync(SseEvent sse)
        {
            try
            {
                if (!tally.FirstByteSent)
                {
                    FirstEventMs = timer.ElapsedMs;
                    tally.FirstByteSent = true;
                    tally.HttpStatus = StatusCodes.Status200OK;
                    client.StatusCode = StatusCodes.Status200OK;
                    client.ContentType = ContentType;
                    client.Headers.CacheControl = "no-cache";
                    client.Headers["X-Accel-Buffering"] = "no";
                    await client.StartAsync(client.HttpContext.RequestAborted);
                }

                var output = client.BodyWriter;
                var wire = output.GetSpan(sse.WireLength);
                var written = sse.WriteWire(wire);
                recorder?.Append(wire[..written]);
                output.Advance(written);
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException)
            {
                tally.ClientGone = true;
                throw;
            }
        }

        /// <summary>Sends what was written to the client.</summary>
        private async ValueTask FlushAsync()
        {
            if (!tally.FirstByteSent)
            {
                return;
            }

            try
            {
                await client.BodyWriter.FlushAsync(client.HttpContext.RequestAborted);
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException)
            {
                tally.ClientGone = true;
                throw;
            }
        }
    }
}
