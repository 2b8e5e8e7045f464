using System.Diagnostics;
using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Idempotency;
using ActorRelay.Actors.RateLimiting;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Options;
using ActorRelay.Gateway.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// Every model endpoint (<c>/v1/chat/completions</c>, <c>/v1/messages</c>, <c>/v1/responses</c>, embeddings, images, audio):
/// authenticate, validate, resolve the alias's route, honour an
/// <c>Idempotency-Key</c>, take the key's and tenant's rate limits, reserve the budget, then run the attempt loop
/// (<see cref="AttemptLoop"/>) and settle once: bill exactly one ledger event for the attempt that answered.
/// </summary>
internal sealed partial class ModelRelay(
    ModelRouter router,
    PriceBook prices,
    AttemptLoop attempts,
    LedgerClient ledger,
    RateLimitClient rateLimits,
    IChannelDirectory channels,
    IdempotencyClient idempotency,
    Authenticator authenticator,
    IOptionsMonitor<AccessOptions> access,
    IOptionsMonitor<GatewayOptions> gateway,
    ILogger<ModelRelay> logger)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(60);

    /// <summary>Serves one call of a chat endpoint whose client speaks <paramref name="protocol"/>.</summary>
    public async Task HandleAsync(HttpContext context, ClientProtocol protocol)
    {
        ErrorResponses.UseFormat(context, protocol.Errors);
        if (!authenticator.TryAuthenticate(context, out var caller, out var denial))
        {
            await ErrorResponses.WriteAsync(context, denial.Status, denial.Message, OpenAiErrorTypes.InvalidRequest, denial.Code);
            return;
        }

        var raw = await ReadBodyAsync(context.Request, context.RequestAborted);
        if (!ChatRequest.TryParse(raw, protocol, out var request, out var error, out var param))
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, error, OpenAiErrorTypes.InvalidRequest, null, param);
            return;
        }

        await ServeAsync(context, caller, request, raw);
    }

    /// <summary>Serves one call of an OpenAI endpoint relayed as is to OpenAI-compatible channels (embeddings, images, audio).</summary>
    public async Task HandleAsync(HttpContext context, PassThroughOperation operation)
    {
        if (!authenticator.TryAuthenticate(context, out var caller, out var denial))
        {
            await ErrorResponses.WriteAsync(context, denial.Status, denial.Message, OpenAiErrorTypes.InvalidRequest, denial.Code);
            return;
        }

        var raw = await ReadBodyAsync(context.Request, context.RequestAborted);
        var (request, error, param) = await PassThroughRequest.ParseAsync(raw, context.Request.ContentType, operation, context.RequestAborted);
        if (request is null)
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, error ?? "The request is invalid.", OpenAiErrorTypes.InvalidRequest, null, param);
            return;
        }

        await ServeAsync(context, caller, request, raw);
    }

    /// <summary>The shared part of every endpoint: model permission, route, idempotency, limits, budget, attempts, settlement.</summary>
    private async Task ServeAsync(HttpContext context, Caller caller, RelayRequest request, byte[] raw)
    {
        var requestId = RequestIdMiddleware.RequestId(context);
        if (!caller.AllowsModel(request.Model))
        {
            var notAllowed = Authenticator.ModelNotAllowed(request.Model);
            await ErrorResponses.WriteAsync(context, notAllowed.Status, notAllowed.Message, OpenAiErrorTypes.Permission, notAllowed.Code, "model");
            return;
        }

        if (!router.TryGetRoute(request.Model, out var route))
        {
            await ErrorResponses.WriteAsync(
                context,
                StatusCodes.Status404NotFound,
                $"The model `{request.Model}` does not exist or you do not have access to it.",
                OpenAiErrorTypes.InvalidRequest,
                "model_not_found",
                "model");
            return;
        }

        var call = new Call(context, caller, request, route, requestId, Lease(route));
        var idempotencyKey = context.Request.Headers[IdempotencyKeyHeader].ToString();
        if (idempotencyKey.Length == 0)
        {
            await RelayAsync(call, null);
            return;
        }

        await ServeIdempotentAsync(call, idempotencyKey, raw);
    }

    /// <summary>
    /// The first call with a key runs and its answer is kept; a repeat waits for a running first call, then gets its
    /// answer (<c>Idempotent-Replayed: true</c>) without calling the vendor or billing again.
    /// </summary>
    private async Task ServeIdempotentAsync(Call call, string idempotencyKey, byte[] raw)
    {
        var context = call.Context;
        var scope = IdempotencyClient.Scope(call.Caller.TenantId, idempotencyKey);
        var begin = await idempotency.BeginAsync(scope, call.RequestId, IdempotencyClient.Fingerprint(raw), call.Lease, context.RequestAborted);
        switch (begin)
        {
            case IdempotencyCommands.Replay replay:
                GatewayMetrics.IdempotentReplays.Inc();
                LogReplayed(call.RequestId, replay.Result.OriginalRequestId);
                context.Response.StatusCode = replay.Result.Status;
                context.Response.ContentType = replay.Result.ContentType;
                context.Response.Headers[ReplayedHeader] = "true";
                context.Response.ContentLength = replay.Result.Body.Length;
                await context.Response.Body.WriteAsync(replay.Result.Body, context.RequestAborted);
                return;
            case IdempotencyCommands.Refused refused:
                await ErrorResponses.WriteAsync(context,
                    refused.Reason == IdempotencyRefusal.KeyReused ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status409Conflict,
                    refused.Message, OpenAiErrorTypes.InvalidRequest,
                    refused.Reason == IdempotencyRefusal.KeyReused ? "idempotency_key_reused" : "idempotency_result_not_kept");
                return;
        }

        var recorder = new ResponseRecorder(call.RequestId, gateway.CurrentValue.Idempotency.MaxStoredBytes);
        var succeeded = false;
        try
        {
            succeeded = await RelayAsync(call, recorder);
        }
        finally
        {
            await idempotency.FinishAsync(scope, call.RequestId, succeeded, succeeded ? recorder.Result : null);
        }
    }

    /// <summary>Rate limits, budget, the attempt loop and settlement; true when the call succeeded.</summary>
    private async Task<bool> RelayAsync(Call call, ResponseRecorder? recorder)
    {
        var (context, caller, request, route) = (call.Context, call.Caller, call.Request, call.Route);
        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        var maxOutput = request.MaxOutput(access.CurrentValue.DefaultMaxOutputTokens);
        // Counting the prompt runs a tokenizer over it: only worth it when a tokens-per-minute limit will use the count.
        var tokens = rateLimits.CountsTokens(caller) || QuotaLimitsTokens(route)
            ? request.PromptTokens + maxOutput
            : maxOutput;

        RateLimitCommands.Acquired? rate;
        try
        {
            rate = await rateLimits.AcquireAsync(caller, tokens, context.RequestAborted);
        }
        catch (Akka.Actor.AskTimeoutException)
        {
            // The tenant's rate-limit entity did not answer in time (it is moving after a node failed): nothing was taken.
            GatewayMetrics.Requests.WithLabels(route.Alias, "", "503").Inc();
            context.Response.Headers.RetryAfter = "1";
            await ErrorResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "The rate limits of this key could not be checked right now. Retry the request.", OpenAiErrorTypes.Server, "rate_limit_unavailable");
            return false;
        }

        if (rate is not null)
        {
            RateLimitHeaders.Write(context.Response, rate);
            if (!rate.Allowed)
            {
                await WriteRateLimitedAsync(context, route, rate);
                return false;
            }
        }

        var served = ((CallTally Tally, ResolvedRoute Target)?)null;
        var budget = (BudgetAdmission?)null;
        try
        {
            budget = await ReserveBudgetAsync(call, maxOutput);
            if (budget is null)
            {
                return false;
            }

            var (tally, target) = await attempts.RunAsync(new AttemptLoop.Call(context, request, route, caller.TenantId, call.RequestId, call.Lease, tokens), recorder);
            if (tally is null || target is null)
            {
                ledger.Release(budget);
                return false;
            }

            served = (tally, target);
            if (!context.RequestAborted.IsCancellationRequested && !tally.ClientGone)
            {
                await context.Response.CompleteAsync();
            }

            Settle(call, target, tally, startedAt, started, budget);
            return tally.Status == CallStatus.Succeeded;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested && served is null)
        {
            // The client left before any attempt answered: nothing reached it, nothing is billed.
            if (budget is not null)
            {
                ledger.Release(budget);
            }

            return false;
        }
        finally
        {
            if (rate is { Allowed: true })
            {
                var used = served is { } done ? done.Tally.Usage(request, done.Target.VendorModel) : TokenUsage.None;
                rateLimits.GiveBack(caller, tokens - used.InputTokens - used.OutputTokens);
            }
        }
    }

    private static async Task WriteRateLimitedAsync(HttpContext context, ModelRoute route, RateLimitCommands.Acquired rate)
    {
        var (scope, decision) = rate.Key is { Allowed: false } key ? ("key", key) : ("tenant", rate.Tenant!.Value);
        GatewayMetrics.RateLimited.WithLabels(scope).Inc();
        GatewayMetrics.Requests.WithLabels(route.Alias, "", "429").Inc();
        var message = decision.TooLarge
            ? $"This request asks for more tokens than the {scope}'s limit of {decision.LimitTokens} tokens per minute."
            : $"Rate limit reached for this {scope}: {decision.LimitRequests} requests and {decision.LimitTokens} tokens per minute. Please try again in {RateLimitHeaders.Seconds(decision.RetryAfter)}s.";
        await ErrorResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, message, OpenAiErrorTypes.RateLimit,
            decision.TooLarge ? "rate_limit_request_too_large" : "rate_limit_exceeded");
    }

    /// <summary>
    /// Reserves the call's maximum cost (every body byte an input token at most, plus max_tokens of output, at the
    /// dearest deployment's prices) from the tenant's budget lease, so that concurrent calls can never together
    /// overspend a hard budget. Null when refused (the answer is written).
    /// </summary>
    private async Task<BudgetAdmission?> ReserveBudgetAsync(Call call, int maxOutput)
    {
        var (context, caller, route) = (call.Context, call.Caller, call.Route);
        if (!ledger.Enabled)
        {
            return BudgetAdmission.Unbounded;
        }

        var table = prices.Current;
        var usage = call.Request.MaxUsage(maxOutput);
        var maxCost = 0m;
        var deployments = route.Deployments;
        for (var i = 0; i < deployments.Count; i++)
        {
            maxCost = Math.Max(maxCost, table.Price(deployments[i].ChannelId, deployments[i].VendorModel, usage).Cost);
        }

        BudgetAdmission admission;
        try
        {
            admission = await ledger.ReserveAsync(caller, maxCost, context.RequestAborted);
        }
        catch (TimeoutException)
        {
            // The tenant's ledger did not answer (its entity is moving after a node failed): nothing was reserved; retry soon.
            GatewayMetrics.Requests.WithLabels(route.Alias, "", "503").Inc();
            context.Response.Headers.RetryAfter = "1";
            await ErrorResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"The budget of tenant '{caller.TenantId}' could not be checked right now. Retry the request.", OpenAiErrorTypes.Server, "budget_unavailable");
            return null;
        }

        if (admission.OverSoftBudget is { } soft)
        {
            GatewayMetrics.SoftBudgetExceeded.WithLabels(caller.TenantId, soft.ProjectId ?? "").Inc();
            LogSoftBudgetExceeded(Scope(caller, soft), Standing(soft, maxCost));
        }

        if (admission.Admitted)
        {
            return admission;
        }

        GatewayMetrics.Requests.WithLabels(route.Alias, "", "429").Inc();
        var message = admission.Refusal is { } budget
            ? $"{Scope(caller, budget)} has exhausted its {Standing(budget, maxCost)}. The budget resets at {budget.PeriodEnd:O}."
            : $"Tenant '{caller.TenantId}' has no budget left for this call (up to {maxCost}) right now.";
        await ErrorResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, message, OpenAiErrorTypes.InsufficientQuota, "budget_exceeded");
        return null;
    }

    private static string Scope(Caller caller, BudgetStatus budget) =>
        budget.ProjectId is null ? $"Tenant '{caller.TenantId}'" : $"Project '{budget.ProjectId}' of tenant '{caller.TenantId}'";

    private static string Standing(BudgetStatus budget, decimal maxCost) =>
        $"{budget.Budget.Period.ToString().ToLowerInvariant()} budget of {budget.Budget.Limit} (spent {budget.Spent}, reserved {budget.Reserved}, this call up to {maxCost})";

    private void Settle(Call call, ResolvedRoute route, CallTally tally, DateTimeOffset startedAt, long started, BudgetAdmission budget)
    {
        var (caller, request) = (call.Caller, call.Request);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var usage = tally.Usage(request, route.VendorModel);
        var priced = prices.Current.Price(route.ChannelId, route.VendorModel, usage);

        var series = GatewayMetrics.Route(route.Alias, route.ChannelId);
        (tally.HttpStatus == StatusCodes.Status200OK ? series.Succeeded : GatewayMetrics.Requests.WithLabels(route.Alias, route.ChannelId, tally.HttpStatus.ToString())).Inc();
        series.Duration.Observe(elapsed.TotalSeconds);
        if (tally.FirstTokenTimestamp != 0)
        {
            series.FirstToken.Observe(Stopwatch.GetElapsedTime(started, tally.FirstTokenTimestamp).TotalSeconds);
        }

        series.InputTokens.Inc(usage.InputTokens);
        series.OutputTokens.Inc(usage.OutputTokens);
        series.Cost.Inc((double)priced.Cost);
        if (usage.Estimated)
        {
            series.Estimated.Inc();
        }

        if (!priced.Priced && usage != TokenUsage.None)
        {
            LogUnpriced(route.VendorModel, priced.PriceVersion);
        }

        LogRelayed(route.Alias, route.ChannelId, tally.Status, tally.HttpStatus, elapsed.TotalMilliseconds, usage.InputTokens, usage.OutputTokens, usage.Estimated);
        if (!ledger.Enabled)
        {
            return;
        }

        ledger.Record(new LedgerEvents.CostRecorded(
            call.RequestId,
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
            caller.Tags,
            usage.Images,
            usage.AudioSeconds), budget);
    }

    /// <summary>Whether a channel of the route has a tokens-per-minute quota.</summary>
    private bool QuotaLimitsTokens(ModelRoute route)
    {
        var deployments = route.Deployments;
        for (var i = 0; i < deployments.Count; i++)
        {
            if (channels.Policy(deployments[i].ChannelId)?.Quota?.LimitsTokens == true)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How long the call may hold its reservations: the request deadline plus the slowest deployment's total timeout.</summary>
    private TimeSpan Lease(ModelRoute route)
    {
        var options = gateway.CurrentValue;
        var slowest = 0d;
        var deployments = route.Deployments;
        for (var i = 0; i < deployments.Count; i++)
        {
            if (options.Channels.TryGetValue(deployments[i].ChannelId, out var channel))
            {
                slowest = Math.Max(slowest, channel.TotalTimeoutSeconds);
            }
        }

        return TimeSpan.FromSeconds(options.Retry.DeadlineSeconds + slowest) + LeaseMargin;
    }

    /// <summary>
    /// The request body, read into one array when its length is declared within the server's limit (Kestrel ends the body
    /// at the declared length, and refuses one declared over its limit at the first read).
    /// </summary>
    private static ValueTask<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Bodies.ReadAsync(request.Body, request.ContentLength,
            request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relayed {Model} via {Channel}: {Status}, HTTP {HttpStatus}, {ElapsedMs:0.0} ms, {InputTokens} in / {OutputTokens} out tokens (estimated: {Estimated})")]
    private partial void LogRelayed(string model, string channel, CallStatus status, int httpStatus, double elapsedMs, long inputTokens, long outputTokens, bool estimated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Scope} went over its soft {Standing}")]
    private partial void LogSoftBudgetExceeded(string scope, string standing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {VendorModel} has no price in price table {PriceVersion}; billed at zero")]
    private partial void LogUnpriced(string vendorModel, string priceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} repeats idempotent request {OriginalRequestId}; replayed its answer")]
    private partial void LogReplayed(string requestId, string originalRequestId);

    private sealed record Call(HttpContext Context, Caller Caller, RelayRequest Request, ModelRoute Route, string RequestId, TimeSpan Lease);
}
