using System.Diagnostics;
using System.Globalization;
using ActorRelay.Actors.Channels;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Policy;
using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Options;
using ActorRelay.Gateway.Routing;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// Routing, fallback and retries around single upstream attempts (<see cref="UpstreamAttempt"/>). The route planner
/// orders the alias's deployments for this call; each is admitted by its channel entity (breaker, vendor quota,
/// concurrency) and tried. A failure before the first byte reached the client (connect error, timeout, 429, 5xx) or
/// a refused admission moves on to the next deployment at once; when every deployment was tried, a new round starts
/// after an exponential backoff with jitter (or the vendor's Retry-After), at most <see cref="RetryOptions.MaxAttempts"/>
/// rounds and never after the request's deadline. Once a byte went to the client, or on another 4xx, it stops.
/// </summary>
internal sealed partial class AttemptLoop(
    ModelRouter router,
    ChannelGate gate,
    UpstreamAttempt attempt,
    IOptionsMonitor<GatewayOptions> options,
    ILogger<AttemptLoop> logger)
{
    public const string DeploymentHeader = "x-actorrelay-deployment";
    public const string AttemptsHeader = "x-actorrelay-attempts";
    private const int ClientClosedRequest = 499;

    /// <summary>Runs the call; the tally and deployment of the attempt that answered, or nulls when no channel admitted it (the refusal is written).</summary>
    public async Task<(CallTally? Tally, ResolvedRoute? Served)> RunAsync(Call call, ResponseRecorder? recorder)
    {
        var context = call.Context;
        var aborted = context.RequestAborted;
        var retry = options.CurrentValue.Retry;
        var policy = retry.ToPolicy();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(retry.DeadlineSeconds);
        var plan = router.Plan(call.Route, call.TenantId);
        var attempts = 0;
        (AttemptResult Result, CallTally Tally, ResolvedRoute Route)? lastFailure = null;
        (ChannelCommands.Rejected Rejection, ResolvedRoute Route)? lastRejection = null;
        for (var round = 1; ; round++)
        {
            var admittedThisRound = false;
            foreach (var deployment in plan)
            {
                if (!router.TryResolve(call.Route.Alias, deployment, out var target))
                {
                    continue;
                }

                attempts++;
                var attemptId = $"{call.RequestId}#{attempts}";
                var admission = await gate.AdmitAsync(target.ChannelId, attemptId, call.Lease, call.Tokens, aborted);
                if (admission.Rejection is { } rejection)
                {
                    GatewayMetrics.Attempts.WithLabels(target.ChannelId, "rejected_" + rejection.Reason.ToString().ToLowerInvariant()).Inc();
                    lastRejection = (rejection, target);
                    continue;
                }

                admittedThisRound = true;
                context.Response.Headers[DeploymentHeader] = deployment.Id;
                context.Response.Headers[AttemptsHeader] = attempts.ToString(CultureInfo.InvariantCulture);
                var tally = new CallTally();
                var result = await RunAttemptAsync(call, target, attemptId, admission, tally, recorder);
                if (result.Succeeded || !result.Retryable)
                {
                    if (result.Error is not null)
                    {
                        await WriteErrorAsync(context, tally, result.Error);
                    }

                    if (!ReferenceEquals(deployment, plan[0]) || round > 1)
                    {
                        GatewayMetrics.Fallbacks.WithLabels(call.Route.Alias).Inc();
                    }

                    return (tally, target);
                }

                LogAttemptFailed(call.RequestId, attempts, target.ChannelId, result.Failure, result.VendorStatus);
                lastFailure = (result, tally, target);
            }

            if (lastFailure is null || !admittedThisRound)
            {
                break;
            }

            var delay = policy.NextDelay(round, lastFailure.Value.Result.RetryAfter, Random.Shared.NextDouble);
            if (!policy.ShouldRetry(round, DateTimeOffset.UtcNow, deadline, delay))
            {
                break;
            }

            GatewayMetrics.Retries.WithLabels(call.Route.Alias).Inc();
            await Task.Delay(delay, aborted);
        }

        if (lastFailure is { } failure)
        {
            context.Response.Headers[AttemptsHeader] = attempts.ToString(CultureInfo.InvariantCulture);
            await WriteErrorAsync(context, failure.Tally, failure.Result.Error!);
            return (failure.Tally, failure.Route);
        }

        await WriteRejectionAsync(context, call.Route, lastRejection);
        return (null, null);
    }

    private async Task<AttemptResult> RunAttemptAsync(Call call, ResolvedRoute target, string attemptId, ChannelAdmission admission, CallTally tally, ResponseRecorder? recorder)
    {
        var started = Stopwatch.GetTimestamp();
        var result = AttemptResult.ClientGone;
        try
        {
            result = await attempt.RunAsync(call.Context, call.Request, target, call.RequestId, tally, recorder);
        }
        catch (OperationCanceledException) when (call.Context.RequestAborted.IsCancellationRequested)
        {
            tally.Status = CallStatus.ClientAborted;
            tally.HttpStatus = ClientClosedRequest;
        }
        finally
        {
            var usage = tally.Usage(call.Request, target.VendorModel);
            var latency = result.Succeeded ? result.LatencyMs : Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await gate.ReleaseAsync(target.ChannelId, attemptId, admission, new CallOutcome(result.Verdict, tally.HttpStatus, latency, usage.InputTokens, usage.OutputTokens));
        }

        (result.Succeeded
            ? GatewayMetrics.Route(target.Alias, target.ChannelId).AttemptSucceeded
            : GatewayMetrics.Attempts.WithLabels(target.ChannelId, (result.Failure ?? FailureKind.Cancelled).ToString().ToLowerInvariant())).Inc();
        return result;
    }

    private static async Task WriteErrorAsync(HttpContext context, CallTally tally, ClientError error)
    {
        tally.HttpStatus = error.Status;
        if (error.RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = error.RetryAfter;
        }

        if (error.VendorBody is not null)
        {
            await ErrorResponses.WriteBodyAsync(context, error.Status, error.VendorBody);
            return;
        }

        await ErrorResponses.WriteAsync(context, error.Status, error.Message, error.Type, error.Code);
    }

    /// <summary>No channel admitted the call: 429 when they were full or over quota, 503 when their breakers shed it.</summary>
    private static async Task WriteRejectionAsync(HttpContext context, ModelRoute route, (ChannelCommands.Rejected Rejection, ResolvedRoute Route)? last)
    {
        if (last is not { } rejected)
        {
            GatewayMetrics.Requests.WithLabels(route.Alias, "", "503").Inc();
            await ErrorResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"No channel of model `{route.Alias}` is configured.", OpenAiErrorTypes.Server, "channel_unavailable");
            return;
        }

        var (rejection, target) = rejected;
        var limited = rejection.Reason is RejectionReason.ConcurrencyLimit or RejectionReason.RateLimited;
        var status = limited ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RateLimitHeaders.Seconds(TimeSpan.FromSeconds(rejection.RetryAfterSeconds)).ToString(CultureInfo.InvariantCulture);
        GatewayMetrics.Requests.WithLabels(route.Alias, target.ChannelId, status.ToString(CultureInfo.InvariantCulture)).Inc();
        await ErrorResponses.WriteAsync(context, status, rejection.Message, limited ? OpenAiErrorTypes.RateLimit : OpenAiErrorTypes.Server,
            rejection.Reason switch
            {
                RejectionReason.ConcurrencyLimit => "channel_concurrency_limit",
                RejectionReason.RateLimited => "channel_rate_limit",
                RejectionReason.CircuitOpen => "channel_circuit_open",
                _ => "channel_unavailable",
            });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: attempt {Attempt} on channel {Channel} failed ({Failure}, HTTP {VendorStatus}); falling back or retrying")]
    private partial void LogAttemptFailed(string requestId, int attempt, string channel, FailureKind? failure, int? vendorStatus);

    /// <summary>One call as the loop needs it; <paramref name="Tokens"/> is its estimate for vendor quotas.</summary>
    public sealed record Call(HttpContext Context, RelayRequest Request, ModelRoute Route, string TenantId, string RequestId, TimeSpan Lease, long Tokens);
}
