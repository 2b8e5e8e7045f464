using ActorRelay.Gateway.Routing;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Options;

/// <summary>Fails start-up (and ignores a bad reload) with messages that name the offending configuration key.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        const string root = GatewayOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.DefaultTenant))
        {
            failures.Add($"{root}:DefaultTenant must not be empty.");
        }

        foreach (var (id, channel) in options.Channels)
        {
            var key = $"{root}:Channels:{id}";
            if (channel.Type != ChannelType.Simulated && !IsHttpUrl(channel.BaseUrl))
            {
                failures.Add($"{key}:BaseUrl must be an absolute http(s) URL for a {channel.Type} channel.");
            }

            if (channel.Type == ChannelType.AzureOpenAI && string.IsNullOrWhiteSpace(channel.ApiVersion))
            {
                failures.Add($"{key}:ApiVersion must not be empty for an AzureOpenAI channel.");
            }

            if (channel.Type == ChannelType.Simulated && channel.BaseUrl is { Length: > 0 } && !IsHttpUrl(channel.BaseUrl))
            {
                failures.Add($"{key}:BaseUrl must be an absolute http(s) URL when set.");
            }

            if (channel.MaxConcurrency <= 0)
            {
                failures.Add($"{key}:MaxConcurrency must be positive.");
            }

            if (channel.TimeoutSeconds <= 0 || channel.ConnectTimeoutSeconds <= 0 || channel.StallTimeoutSeconds <= 0 || channel.TotalTimeoutSeconds <= 0)
            {
                failures.Add($"{key}:TimeoutSeconds, ConnectTimeoutSeconds, StallTimeoutSeconds and TotalTimeoutSeconds must be positive.");
            }

            failures.AddRange(channel.Breaker.ToOptions().Validate().Select(error => $"{key}:Breaker: {error}"));
            ValidateLimits($"{key}:Quota", channel.Quota, failures);
        }

        if (options.Ledger.BatchMilliseconds is < 0 or > 10_000)
        {
            failures.Add($"{root}:Ledger:BatchMilliseconds must be 0-10000, not {options.Ledger.BatchMilliseconds}.");
        }

        if (options.Ledger.LeaseCalls is < 1 or > 100_000)
        {
            failures.Add($"{root}:Ledger:LeaseCalls must be 1-100000, not {options.Ledger.LeaseCalls}.");
        }

        if (options.Shutdown.DrainTimeoutSeconds < 0 || options.Shutdown.LeaveTimeoutSeconds <= 0)
        {
            failures.Add($"{root}:Shutdown:DrainTimeoutSeconds must not be negative and {root}:Shutdown:LeaveTimeoutSeconds must be positive.");
        }

        foreach (var alias in options.Models.Keys.Where(options.Routes.ContainsKey))
        {
            failures.Add($"{root}:Models:{alias} and {root}:Routes:{alias} both define the alias; keep one.");
        }

        foreach (var (alias, route) in ConfiguredRoutes.From(options))
        {
            var section = options.Routes.ContainsKey(alias) ? $"{root}:Routes:{alias}" : $"{root}:Models:{alias}";
            failures.AddRange(route.Validate().Select(error => $"{section}: {error}"));
            foreach (var deployment in route.Deployments.Where(deployment => !options.Channels.ContainsKey(deployment.ChannelId)))
            {
                failures.Add($"{section}: channel '{deployment.ChannelId}' (deployment '{deployment.Id}') is not in {root}:Channels.");
            }
        }

        failures.AddRange(options.Retry.ToPolicy().Validate().Select(error => $"{root}:Retry: {error}"));
        if (options.Retry.DeadlineSeconds <= 0)
        {
            failures.Add($"{root}:Retry:DeadlineSeconds must be positive.");
        }

        ValidateLimits($"{root}:RateLimits:DefaultTenant", options.RateLimits.DefaultTenant, failures);
        ValidateLimits($"{root}:RateLimits:DefaultKey", options.RateLimits.DefaultKey, failures);
        foreach (var (tenant, limits) in options.RateLimits.Tenants)
        {
            ValidateLimits($"{root}:RateLimits:Tenants:{tenant}", limits, failures);
        }

        foreach (var (keyId, limits) in options.RateLimits.Keys)
        {
            ValidateLimits($"{root}:RateLimits:Keys:{keyId}", limits, failures);
        }

        if (options.Idempotency.WindowSeconds <= 0 || options.Idempotency.MaxStoredBytes < 0)
        {
            failures.Add($"{root}:Idempotency:WindowSeconds must be positive and MaxStoredBytes not negative.");
        }

        if (options.Routing.RefreshSeconds <= 0 || options.Routing.HealthPollSeconds <= 0)
        {
            failures.Add($"{root}:Routing:RefreshSeconds and HealthPollSeconds must be positive.");
        }

        var prices = options.Prices.Models.Select(model => ($"{root}:Prices:Models:{model.Key}", model.Value))
            .Concat(options.Prices.Channels.SelectMany(channel => channel.Value.Select(model => ($"{root}:Prices:Channels:{channel.Key}:{model.Key}", model.Value))));
        foreach (var (key, price) in prices)
        {
            if (price.InputPerMillion < 0 || price.OutputPerMillion < 0 || price.CachedInputPerMillion < 0)
            {
                failures.Add($"{key} must not be negative.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateLimits(string key, LimitOptions limits, List<string> failures)
    {
        if (limits.RequestsPerMinute is <= 0 || limits.TokensPerMinute is <= 0)
        {
            failures.Add($"{key}: RequestsPerMinute and TokensPerMinute must be positive when set.");
        }
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
