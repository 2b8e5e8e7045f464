using System.Globalization;

namespace ActorRelay.SimulatedVendor;

/// <summary>The effective simulation settings of one request: the options, overridden by <c>x-sim-*</c> headers.</summary>
internal readonly record struct SimulationPlan(int FirstTokenDelayMs, int TokenDelayMs, int ResponseTokens, int? FailStatus, int? DropAfterTokens)
{
    internal const string FirstTokenDelayHeader = "x-sim-first-token-delay-ms";
    internal const string TokenDelayHeader = "x-sim-token-delay-ms";
    internal const string TokensHeader = "x-sim-tokens";
    internal const string FailHeader = "x-sim-fail";
    internal const string DropAfterHeader = "x-sim-drop-after";

    /// <summary>Builds the plan of a request from the options and its headers.</summary>
    /// <exception cref="InvalidRequestException">An override header is malformed or out of range.</exception>
    public static SimulationPlan Create(SimulatedVendorOptions options, IHeaderDictionary headers)
    {
        var failStatus = ReadHeader(headers, FailHeader, int.MaxValue) ?? options.FailStatus;
        if (failStatus is int status && !SimulatedVendorOptions.IsSupportedFailStatus(status))
        {
            throw new InvalidRequestException($"Invalid '{FailHeader}' header: expected 429, 500 or 503.");
        }

        return new SimulationPlan(
            ReadHeader(headers, FirstTokenDelayHeader, int.MaxValue) ?? options.FirstTokenDelayMs,
            ReadHeader(headers, TokenDelayHeader, int.MaxValue) ?? options.TokenDelayMs,
            ReadHeader(headers, TokensHeader, SimulatedVendorOptions.MaxResponseTokens) ?? options.ResponseTokens,
            failStatus,
            ReadHeader(headers, DropAfterHeader, int.MaxValue) ?? options.DropAfterTokens);
    }

    private static int? ReadHeader(IHeaderDictionary headers, string name, int max)
    {
        string? raw = headers[name];
        if (raw is null)
        {
            return null;
        }

        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max
            ? value
            : throw new InvalidRequestException($"Invalid '{name}' header: expected an integer between 0 and {max}.");
    }
}
