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
            if (channel.Type == ChannelType.OpenAICompatible && !IsHttpUrl(channel.BaseUrl))
            {
                failures.Add($"{key}:BaseUrl must be an absolute http(s) URL for an OpenAICompatible channel.");
            }

            if (channel.Type == ChannelType.Simulated && channel.BaseUrl is { Length: > 0 } && !IsHttpUrl(channel.BaseUrl))
            {
                failures.Add($"{key}:BaseUrl must be an absolute http(s) URL when set.");
            }

            if (channel.MaxConcurrency <= 0)
            {
                failures.Add($"{key}:MaxConcurrency must be positive.");
            }

            if (channel.TimeoutSeconds <= 0)
            {
                failures.Add($"{key}:TimeoutSeconds must be positive.");
            }
        }

        foreach (var (alias, route) in options.Models)
        {
            if (!options.Channels.ContainsKey(route.Channel))
            {
                failures.Add($"{root}:Models:{alias}:Channel names '{route.Channel}', which is not in {root}:Channels.");
            }
        }

        foreach (var (model, price) in options.Prices.Models)
        {
            if (price.InputPerMillion < 0 || price.OutputPerMillion < 0 || price.CachedInputPerMillion < 0)
            {
                failures.Add($"{root}:Prices:Models:{model} must not be negative.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
