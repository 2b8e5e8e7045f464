using System.Globalization;
using System.Text;
using ActorRelay.Actors.RateLimiting;
using ActorRelay.Core.Policy;
using ActorRelay.Gateway.Options;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// OpenAI's rate-limit headers: <c>x-ratelimit-limit-requests</c>, <c>x-ratelimit-remaining-requests</c>,
/// <c>x-ratelimit-reset-requests</c> and the same for <c>-tokens</c>, with resets written as OpenAI writes them
/// (<c>1s</c>, <c>6m0s</c>, <c>20ms</c>), plus <c>Retry-After</c> in whole seconds on a refusal. They describe the
/// key's limits when the key is limited, else the tenant's; a dimension without a limit gets no headers.
/// </summary>
internal static class RateLimitHeaders
{
    public static void Write(HttpResponse response, RateLimitCommands.Acquired acquired)
    {
        var decision = acquired.Key is { } key && (acquired.Allowed || !key.Allowed) ? key : acquired.Tenant ?? acquired.Key!.Value;
        var headers = response.Headers;
        if (decision.LimitRequests != RateLimits.Unlimited)
        {
            headers["x-ratelimit-limit-requests"] = decision.LimitRequests.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining-requests"] = decision.RemainingRequests.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-reset-requests"] = Duration(decision.ResetRequests);
        }

        if (decision.LimitTokens != RateLimits.Unlimited)
        {
            headers["x-ratelimit-limit-tokens"] = decision.LimitTokens.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining-tokens"] = decision.RemainingTokens.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-reset-tokens"] = Duration(decision.ResetTokens);
        }

        if (!acquired.Allowed)
        {
            headers.RetryAfter = Seconds(decision.TooLarge ? TimeSpan.FromMinutes(1) : decision.RetryAfter).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Whole seconds, rounded up, at least 1: what <c>Retry-After</c> carries.</summary>
    public static long Seconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(Math.Min(wait.TotalSeconds, int.MaxValue)));

    /// <summary>A duration as OpenAI writes it: <c>20ms</c> below a second, else <c>1h2m3.5s</c> without leading zero units.</summary>
    public static string Duration(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1))
        {
            return ((long)Math.Ceiling(Math.Max(0, value.TotalMilliseconds))).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        var text = new StringBuilder();
        var hours = (long)value.TotalHours;
        if (hours > 0)
        {
            text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || value.Minutes > 0)
        {
            text.Append(value.Minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        var seconds = Math.Round(value.Seconds + (value.Milliseconds / 1000.0), 3);
        return text.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s').ToString();
    }
}
