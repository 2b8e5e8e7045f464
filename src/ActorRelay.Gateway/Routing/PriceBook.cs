using ActorRelay.Core.Pricing;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Routing;

/// <summary>The current <see cref="PriceTable"/>, rebuilt only when configuration changes.</summary>
internal sealed class PriceBook : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile PriceTable _current;

    public PriceBook(IOptionsMonitor<GatewayOptions> options)
    {
        _current = Build(options.CurrentValue);
        _subscription = options.OnChange(changed => _current = Build(changed));
    }

    public PriceTable Current => _current;

    public void Dispose() => _subscription?.Dispose();

    private static PriceTable Build(GatewayOptions options) => new(options.Prices.Version, options.Prices.Models, options.Prices.Channels);
}
