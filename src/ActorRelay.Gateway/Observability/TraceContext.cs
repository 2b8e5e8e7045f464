using System.Diagnostics;

namespace ActorRelay.Gateway.Observability;

/// <summary>
/// W3C trace context through the gateway. ASP.NET Core starts an activity for a request only when something listens to
/// its <c>Microsoft.AspNetCore</c> source or its hosting logger is enabled at some level; this listener makes it
/// whatever the logging configuration (<c>Microsoft.AspNetCore.Hosting.Diagnostics</c> at <c>None</c> would lose it).
/// The request's activity continues the caller's <c>traceparent</c> and <c>tracestate</c> (or starts a trace), the
/// call to the vendor carries it on (<see cref="Inject"/>: a <c>traceparent</c> with the same trace id and the gateway's
/// span as parent, and the caller's <c>tracestate</c>), and log lines carry its <c>TraceId</c> and <c>SpanId</c>.
/// Sampling follows the caller: a sampled trace stays sampled, anything else is created for propagation only (no tags
/// or timing kept).
/// </summary>
internal sealed class TraceContext : IHostedService, IDisposable
{
    private const string AspNetCoreSource = "Microsoft.AspNetCore";

    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = static source => source.Name == AspNetCoreSource,
        Sample = static (ref ActivityCreationOptions<ActivityContext> options) =>
            (options.Parent.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData,
    };

    /// <summary>
    /// Puts the current request's trace context on a call to a vendor. HttpClient would do it by starting an activity of
    /// its own for every call (tags, a URL string, a span id nobody records); the gateway's HttpClient has that switched
    /// off, and the vendor's parent span is the request's.
    /// </summary>
    public static void Inject(HttpRequestMessage request)
    {
        if (Activity.Current is { } activity)
        {
            DistributedContextPropagator.Current.Inject(activity, request, static (carrier, name, value) =>
                ((HttpRequestMessage)carrier!).Headers.TryAddWithoutValidation(name, value));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
