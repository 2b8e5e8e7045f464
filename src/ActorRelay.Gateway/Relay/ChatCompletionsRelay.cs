using System.Diagnostics;
using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Streaming;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Options;
using ActorRelay.Gateway.Routing;
using ActorRelay.Gateway.Upstream;
using Akka.Streams;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// <c>POST /v1/chat/completions</c>: validate, resolve the alias, get the channel's admission, call the vendor,
/// relay the answer (streams through Akka.Streams), then settle: release the channel with the outcome and bill
/// exactly one ledger event.
/// </summary>
internal sealed partial class ChatCompletionsRelay(
    ModelRouter router,
    PriceBook prices,
    ChannelGate gate,
    LedgerClient ledger,
    UpstreamClient upstream,
    IMaterializer materializer,
    Authenticator authenticator,
    IOptionsMonitor<AccessOptions> access,
    ILogger<ChatCompletionsRelay> logger)
{
    private const int ClientClosedRequest = 499;
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(60);
    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        var aborted = context.RequestAborted;
        var requestId = RequestIdMiddleware.RequestId(context);

        if (!authenticator.TryAuthenticate(context, out var caller, out var denial))
        {
            await ErrorResponses.WriteOpenAiAsync(context, denial.Status, denial.Message, OpenAiErrorTypes.InvalidRequest, denial.Code);
            return;
        }

        var raw = await ReadBodyAsync(context.Request, aborted);
        if (!ChatRequest.TryParse(raw, out var request, out var error, out var param))
        {
            await ErrorResponses.WriteOpenAiAsync(context, StatusCodes.Status400BadRequest, error, OpenAiErrorTypes.InvalidRequest, null, param);
            return;
        }

        if (!caller.AllowsModel(request.Model))
        {
            var notAllowed = Authenticator.ModelNotAllowed(request.Model);
            await ErrorResponses.WriteOpenAiAsync(context, notAllowed.Status, notAllowed.Message, OpenAiErrorTypes.Permission, notAllowed.Code, "model");
            return;
        }

        if (!router.TryResolve(request.Model, out var route))
        {
            await ErrorResponses.WriteOpenAiAsync(
                context,
                StatusCodes.Status404NotFound,
                $"The model `{request.Model}` does not exist or you do not have access to it.",
                OpenAiErrorTypes.InvalidRequest,
                "model_not_found",
                "model");
            return;
        }

        var timeout = TimeSpan.FromSeconds(route.Channel.TimeoutSeconds);
        var lease = timeout + LeaseMargin;
        if (!await ReserveBudgetAsync(context, caller, request, route, requestId, lease))
        {
            return;
        }

        var rejection = await gate.AdmitAsync(route.ChannelId, requestId, lease, aborted);
        if (rejection is not null)
        {
            await ledger.ReleaseAsync(caller.TenantId, requestId);
            context.Response.Headers.RetryAfter = "1";
            await ErrorResponses.WriteOpenAiAsync(
                context,
                rejection.Reason == RejectionReason.ConcurrencyLimit ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable,
                rejection.Message,
                rejection.Reason == RejectionReason.ConcurrencyLimit ? OpenAiErrorTypes.RateLimit : OpenAiErrorTypes.Server,
                rejection.Reason == RejectionReason.ConcurrencyLimit ? "channel_concurrency_limit" : "channel_unavailable");
            GatewayMetrics.Requests.WithLabels(route.Alias, route.ChannelId, context.Response.StatusCode.ToString()).Inc();
            return;
        }

        var tally = new CallTally();
        try
        {
            await RelayAsync(context, request, route, requestId, timeout, tally);
            if (!aborted.IsCancellationRequested && !tally.ClientGone)
            {
                await context.Response.CompleteAsync();
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            tally.Status = CallStatus.ClientAborted;
            tally.HttpStatus = ClientClosedRequest;
        }
        finally
        {
            await SettleAsync(caller, request, route, requestId, tally, startedAt, started);
        }
    }

    /// <summary>
    /// Reserves the call's maximum cost (every body byte an input token at most, plus max_tokens of output) so that
    /// concurrent calls can never together overspend a hard budget. False when refused (the answer is written).
    /// </summary>
    private async Task<bool> ReserveBudgetAsync(HttpContext context, Caller caller, ChatRequest request, ResolvedRoute route, string requestId, TimeSpan lease)
    {
        var maxOutput = request.MaxOutputTokens ?? access.CurrentValue.DefaultMaxOutputTokens;
        var maxCost = prices.Current.Price(route.VendorModel, new TokenUsage(request.BodyBytes, maxOutput, 0, Estimated: true)).Cost;
        var reply = await ledger.ReserveAsync(caller.TenantId, requestId, caller.ProjectId, maxCost, lease, context.RequestAborted);
        if (reply.Outcome == ReserveOutcome.Granted)
        {
            return true;
        }

        var budget = reply.Budget!;
        var scope = budget.ProjectId is null ? $"Tenant '{caller.TenantId}'" : $"Project '{budget.ProjectId}' of tenant '{caller.TenantId}'";
        var standing = $"{budget.Budget.Period.ToString().ToLowerInvariant()} budget of {budget.Budget.Limit} (spent {budget.Spent}, reserved {budget.Reserved}, this call up to {maxCost})";
        if (reply.Outcome == ReserveOutcome.GrantedOverSoftBudget)
        {
            GatewayMetrics.SoftBudgetExceeded.WithLabels(caller.TenantId, budget.ProjectId ?? "").Inc();
            LogSoftBudgetExceeded(scope, standing);
            return true;
        }

        GatewayMetrics.Requests.WithLabels(route.Alias, route.ChannelId, "429").Inc();
        await ErrorResponses.WriteOpenAiAsync(context, StatusCodes.Status429TooManyRequests,
            $"{scope} has exhausted its {standing}. The budget resets at {budget.PeriodEnd:O}.",
            OpenAiErrorTypes.InsufficientQuota, "budget_exceeded");
        return false;
    }

    private async Task RelayAsync(HttpContext context, ChatRequest request, ResolvedRoute route, string requestId, TimeSpan timeout, CallTally tally)
    {
        var aborted = context.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await upstream.SendChatCompletionAsync(route, request.ToUpstreamBody(route.VendorModel), requestId, deadline.Token);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            await FailAsync(context, tally, CallStatus.TimedOut, StatusCodes.Status504GatewayTimeout,
                $"Channel '{route.ChannelId}' did not answer within {timeout.TotalSeconds:0.###} s.", OpenAiErrorTypes.Timeout, "upstream_timeout");
            return;
        }
        catch (HttpRequestException exception)
        {
            LogUpstreamUnreachable(exception, route.ChannelId);
            await FailAsync(context, tally, CallStatus.UpstreamFailed, StatusCodes.Status502BadGateway,
                $"Channel '{route.ChannelId}' could not be reached: {exception.HttpRequestError}.", OpenAiErrorTypes.Upstream, "upstream_unreachable");
            return;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                await RelayVendorErrorAsync(context, route, response, tally, deadline.Token);
            }
            else if (request.Stream)
            {
                deadline.CancelAfter(Timeout.InfiniteTimeSpan);
                await RelayStreamAsync(context, request, route, response, tally);
            }
            else
            {
                await RelayBodyAsync(context, route, response, tally, deadline.Token, aborted);
            }
        }
    }

    private static async Task RelayBodyAsync(HttpContext context, ResolvedRoute route, HttpResponseMessage response, CallTally tally, CancellationToken deadline, CancellationToken aborted)
    {
        byte[] body;
        try
        {
            body = await response.Content.ReadAsByteArrayAsync(deadline);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            await FailAsync(context, tally, CallStatus.TimedOut, StatusCodes.Status504GatewayTimeout,
                $"Channel '{route.ChannelId}' did not finish its answer in time.", OpenAiErrorTypes.Timeout, "upstream_timeout");
            return;
        }
        catch (HttpRequestException)
        {
            await FailAsync(context, tally, CallStatus.UpstreamFailed, StatusCodes.Status502BadGateway,
                $"Channel '{route.ChannelId}' dropped the connection before its answer was complete.", OpenAiErrorTypes.Upstream, "upstream_interrupted");
            return;
        }

        var facts = ChatCompletionInspector.Inspect(body);
        tally.ReportedUsage = facts.Usage;
        tally.ContentBytes = facts.ContentBytes;
        tally.Status = CallStatus.Succeeded;
        tally.HttpStatus = StatusCodes.Status200OK;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        context.Response.ContentLength = body.Length;
        try
        {
            await context.Response.Body.WriteAsync(body, aborted);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            tally.Status = CallStatus.ClientAborted;
            tally.HttpStatus = ClientClosedRequest;
        }
    }

    private async Task RelayStreamAsync(HttpContext context, ChatRequest request, ResolvedRoute route, HttpResponseMessage response, CallTally tally)
    {
        var aborted = context.RequestAborted;
        var client = context.Response;
        client.StatusCode = StatusCodes.Status200OK;
        client.ContentType = "text/event-stream; charset=utf-8";
        client.Headers.CacheControl = "no-cache";
        client.Headers["X-Accel-Buffering"] = "no";
        tally.HttpStatus = StatusCodes.Status200OK;
        await client.StartAsync(aborted);

        GatewayMetrics.StreamsInFlight.Inc();
        try
        {
            var upstreamBody = await response.Content.ReadAsStreamAsync(aborted);
            await SseRelay.RunAsync(upstreamBody, sse => ForwardAsync(sse, request, route, client, tally, aborted), materializer, aborted);
            if (tally.SawDone)
            {
                tally.Status = CallStatus.Succeeded;
                return;
            }

            tally.Status = CallStatus.UpstreamFailed;
            await client.Body.WriteAsync(ErrorResponses.OpenAiSseEvent(
                $"Channel '{route.ChannelId}' ended the stream before it was complete.", OpenAiErrorTypes.Upstream, "upstream_interrupted"), aborted);
        }
        catch (Exception) when (tally.ClientGone || aborted.IsCancellationRequested)
        {
            tally.Status = CallStatus.ClientAborted;
            tally.HttpStatus = ClientClosedRequest;
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or InvalidDataException)
        {
            LogStreamInterrupted(exception, route.ChannelId);
            tally.Status = CallStatus.UpstreamFailed;
            await client.Body.WriteAsync(ErrorResponses.OpenAiSseEvent(
                $"Channel '{route.ChannelId}' dropped the stream before it was complete.", OpenAiErrorTypes.Upstream, "upstream_interrupted"), aborted);
        }
        finally
        {
            GatewayMetrics.StreamsInFlight.Dec();
        }
    }

    private static async Task ForwardAsync(SseEvent sse, ChatRequest request, ResolvedRoute route, HttpResponse client, CallTally tally, CancellationToken aborted)
    {
        if (sse.IsDone)
        {
            tally.SawDone = true;
            await WriteToClientAsync(client, DoneEvent, tally, aborted);
            return;
        }

        var facts = ChatCompletionInspector.Inspect(sse.Data.Span);
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

        await WriteToClientAsync(client, sse.ToWireBytes(), tally, aborted);
    }

    /// <summary>Writes and flushes one event; a failed write means the client left, whatever the exception says.</summary>
    private static async Task WriteToClientAsync(HttpResponse client, byte[] bytes, CallTally tally, CancellationToken aborted)
    {
        try
        {
            await client.Body.WriteAsync(bytes, aborted);
            await client.Body.FlushAsync(aborted);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            tally.ClientGone = true;
            throw;
        }
    }

    private static async Task RelayVendorErrorAsync(HttpContext context, ResolvedRoute route, HttpResponseMessage response, CallTally tally, CancellationToken deadline)
    {
        tally.VendorRefused = true;
        tally.Status = CallStatus.UpstreamFailed;
        var vendorStatus = (int)response.StatusCode;
        byte[] vendorBody;
        try
        {
            vendorBody = await response.Content.ReadAsByteArrayAsync(deadline);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            vendorBody = [];
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString();
        }

        // A vendor 4xx is about the request: the client gets the vendor's status, and its OpenAI error body as is.
        if (vendorStatus is >= 400 and < 500 && ChatCompletionInspector.IsErrorEnvelope(vendorBody))
        {
            tally.HttpStatus = vendorStatus;
            context.Response.StatusCode = vendorStatus;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(vendorBody, context.RequestAborted);
            return;
        }

        var status = vendorStatus is >= 400 and < 500 ? vendorStatus : StatusCodes.Status502BadGateway;
        var detail = System.Text.Encoding.UTF8.GetString(vendorBody.AsSpan(0, Math.Min(vendorBody.Length, 512)));
        await FailAsync(context, tally, CallStatus.UpstreamFailed, status,
            $"Channel '{route.ChannelId}' answered HTTP {vendorStatus}: {detail}",
            vendorStatus == StatusCodes.Status429TooManyRequests ? OpenAiErrorTypes.RateLimit : OpenAiErrorTypes.Upstream,
            $"upstream_http_{vendorStatus}");
    }

    private static async Task FailAsync(HttpContext context, CallTally tally, CallStatus status, int httpStatus, string message, string type, string code)
    {
        tally.Status = status;
        tally.HttpStatus = httpStatus;
        await ErrorResponses.WriteOpenAiAsync(context, httpStatus, message, type, code);
    }

    private async Task SettleAsync(Caller caller, ChatRequest request, ResolvedRoute route, string requestId, CallTally tally, DateTimeOffset startedAt, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        var usage = tally.Usage(request.BodyBytes);
        var priced = prices.Current.Price(route.VendorModel, usage);
        await gate.ReleaseAsync(route.ChannelId, requestId, new CallOutcome(
            tally.Status == CallStatus.Succeeded, tally.HttpStatus, elapsed.TotalMilliseconds, usage.InputTokens, usage.OutputTokens));

        GatewayMetrics.Requests.WithLabels(route.Alias, route.ChannelId, tally.HttpStatus.ToString()).Inc();
        GatewayMetrics.RequestDuration.WithLabels(route.Alias, route.ChannelId).Observe(elapsed.TotalSeconds);
        if (tally.FirstTokenTimestamp != 0)
        {
            GatewayMetrics.TimeToFirstToken.WithLabels(route.Alias, route.ChannelId)
                .Observe(Stopwatch.GetElapsedTime(started, tally.FirstTokenTimestamp).TotalSeconds);
        }

        GatewayMetrics.Tokens.WithLabels(route.Alias, route.ChannelId, "input").Inc(usage.InputTokens);
        GatewayMetrics.Tokens.WithLabels(route.Alias, route.ChannelId, "output").Inc(usage.OutputTokens);
        GatewayMetrics.Cost.WithLabels(route.Alias, route.ChannelId).Inc((double)priced.Cost);
        if (!priced.Priced && usage != TokenUsage.None)
        {
            LogUnpriced(route.VendorModel, priced.PriceVersion);
        }

        LogRelayed(route.Alias, route.ChannelId, tally.Status, tally.HttpStatus, elapsed.TotalMilliseconds, usage.InputTokens, usage.OutputTokens, usage.Estimated);
        await ledger.RecordAsync(new LedgerEvents.CostRecorded(
            requestId,
            caller.TenantId,
            route.Alias,
            route.ChannelId,
            route.VendorModel,
            usage.InputTokens,
            usage.OutputTokens,
            usage.CachedTokens,
            usage.Estimated,
            priced.Cost,
            priced.PriceVersion,
            tally.Status,
            tally.HttpStatus,
            request.Stream,
            startedAt,
            DateTimeOffset.UtcNow,
            caller.ProjectId,
            caller.KeyId,
            caller.Tags));
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength.Value : 4096);
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relayed {Model} via {Channel}: {Status}, HTTP {HttpStatus}, {ElapsedMs:0.0} ms, {InputTokens} in / {OutputTokens} out tokens (estimated: {Estimated})")]
    private partial void LogRelayed(string model, string channel, CallStatus status, int httpStatus, double elapsedMs, long inputTokens, long outputTokens, bool estimated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel {Channel} could not be reached")]
    private partial void LogUpstreamUnreachable(Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel {Channel} interrupted a stream")]
    private partial void LogStreamInterrupted(Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Scope} went over its soft {Standing}")]
    private partial void LogSoftBudgetExceeded(string scope, string standing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {VendorModel} has no price in price table {PriceVersion}; billed at zero")]
    private partial void LogUnpriced(string vendorModel, string priceVersion);
}
