using System.Collections.Concurrent;
using Prometheus;

namespace ActorRelay.Gateway.Observability;

/// <summary>
/// Every metric ActorRelay exports, in one place, with the <c>actorrelay_</c> prefix and unit suffixes. Counters carry
/// no exemplars (each would read the trace context on every increment); the latency histograms link to the trace.
/// </summary>
internal static class GatewayMetrics
{
    private static readonly ConcurrentDictionary<(string Alias, string Channel), RouteSeries> Routes = new();
    private static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    public static readonly Counter Requests = Prometheus.Metrics.CreateCounter(
        "actorrelay_requests_total",
        "Relayed calls by model alias, channel and HTTP status answered.",
        CounterLabels("model", "channel", "status"));

    public static readonly Histogram RequestDuration = Prometheus.Metrics.CreateHistogram(
        "actorrelay_request_duration_seconds",
        "Time from request arrival to the last byte relayed.",
        new HistogramConfiguration { LabelNames = ["model", "channel"], Buckets = LatencyBuckets });

    public static readonly Histogram TimeToFirstToken = Prometheus.Metrics.CreateHistogram(
        "actorrelay_time_to_first_token_seconds",
        "Time from request arrival to the first content chunk of a stream.",
        new HistogramConfiguration { LabelNames = ["model", "channel"], Buckets = LatencyBuckets });

    public static readonly Counter Tokens = Prometheus.Metrics.CreateCounter(
        "actorrelay_tokens_total",
        "Tokens billed, by direction (input, output).",
        CounterLabels("model", "channel", "direction"));

    public static readonly Counter Cost = Prometheus.Metrics.CreateCounter(
        "actorrelay_cost_total",
        "Cost billed in the price table's currency.",
        CounterLabels("model", "channel"));

    public static readonly Counter EstimatedUsage = Prometheus.Metrics.CreateCounter(
        "actorrelay_estimated_usage_total",
        "Calls billed with a tokenizer estimate because the vendor reported no usage (a cut stream, a server without usage).",
        CounterLabels("model", "channel"));

    public static readonly Gauge StreamsInFlight = Prometheus.Metrics.CreateGauge(
        "actorrelay_streams_in_flight",
        "Streams currently being relayed.");

    public static readonly Counter SoftBudgetExceeded = Prometheus.Metrics.CreateCounter(
        "actorrelay_soft_budget_exceeded_total",
        "Calls let through although they took a soft budget over its limit.",
        CounterLabels("tenant", "project"));

    public static readonly Counter LedgerWriteFailures = Prometheus.Metrics.CreateCounter(
        "actorrelay_ledger_write_failures_total",
        "Ledger writes that did not reach the journal after retries.",
        CounterLabels());

    public static readonly Gauge CircuitState = Prometheus.Metrics.CreateGauge(
        "actorrelay_circuit_state",
        "Each channel's circuit breaker as this node last learned it: 0 closed, 1 open, 2 half-open.",
        new GaugeConfiguration { LabelNames = ["channel"] });

    public static readonly Counter Attempts = Prometheus.Metrics.CreateCounter(
        "actorrelay_upstream_attempts_total",
        "Upstream attempts by channel and result (success, a failure kind, or rejected_<reason> when the channel refused admission).",
        CounterLabels("channel", "result"));

    public static readonly Counter Fallbacks = Prometheus.Metrics.CreateCounter(
        "actorrelay_fallbacks_total",
        "Calls answered by another deployment than the first one planned, or in a later retry round.",
        CounterLabels("model"));

    public static readonly Counter Retries = Prometheus.Metrics.CreateCounter(
        "actorrelay_retry_rounds_total",
        "Retry rounds started after every planned deployment failed.",
        CounterLabels("model"));

    public static readonly Counter RateLimited = Prometheus.Metrics.CreateCounter(
        "actorrelay_rate_limited_total",
        "Calls refused with 429 by a key's or tenant's rate limit.",
        CounterLabels("scope"));

    public static readonly Counter IdempotentReplays = Prometheus.Metrics.CreateCounter(
        "actorrelay_idempotent_replays_total",
        "Repeated Idempotency-Key requests answered with the first call's result.",
        CounterLabels());

    public static readonly Gauge Draining = Prometheus.Metrics.CreateGauge(
        "actorrelay_draining",
        "1 from SIGTERM until exit: the node refuses readiness and finishes its in-flight calls.");

    public static readonly Counter StreamsCutByShutdown = Prometheus.Metrics.CreateCounter(
        "actorrelay_streams_cut_by_shutdown_total",
        "Streams still running when the drain timeout ran out, ended with an SSE error event.",
        CounterLabels());

    /// <summary>
    /// Chooses what prometheus-net adds to the default registry at the first scrape. Left to its defaults, it listens to
    /// every .NET meter and, at Informational level, to the event sources of Kestrel, ASP.NET Core hosting, HttpClient
    /// and sockets: from the first scrape on, every relayed call then also raised about ten events and recorded
    /// hosting's, routing's, the memory pool's and HttpClient's per-request instruments, each turned into labelled
    /// series (<c>benchmarks/README.md</c>: 60% more CPU per call). Those instruments repeat the gateway's own
    /// <c>actorrelay_*</c> series, and the runtime's counters are the <c>System.Runtime</c> meter's instruments, so the
    /// event counters are left out and only two meters are published: the runtime's (GC, JIT, thread pool, locks;
    /// observable, read at scrape time) and Kestrel's (connections, counted once per connection). Takes effect only
    /// before the first scrape, so it is called before the host is built.
    /// </summary>
    public static void LimitFrameworkMetrics()
    {
        Prometheus.Metrics.ConfigureMeterAdapter(adapter =>
            adapter.InstrumentFilterPredicate = instrument => instrument.Meter.Name is "System.Runtime" or "Microsoft.AspNetCore.Server.Kestrel");
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true });
    }

    private static CounterConfiguration CounterLabels(params string[] names) =>
        new() { LabelNames = names, ExemplarBehavior = ExemplarBehavior.NoExemplars() };

    /// <summary>The series a served call of <paramref name="alias"/> on <paramref name="channel"/> adds to, found once per call.</summary>
    public static RouteSeries Route(string alias, string channel) =>
        Routes.GetOrAdd((alias, channel), static key => new RouteSeries(key.Alias, key.Channel));

    /// <summary>The labelled series of one alias on one channel, looked up once instead of once per series and call.</summary>
    public sealed class RouteSeries(string alias, string channel)
    {
        public Counter.Child Succeeded { get; } = Requests.WithLabels(alias, channel, "200");

        public Histogram.Child Duration { get; } = RequestDuration.WithLabels(alias, channel);

        public Histogram.Child FirstToken { get; } = TimeToFirstToken.WithLabels(alias, channel);

        public Counter.Child InputTokens { get; } = Tokens.WithLabels(alias, channel, "input");

        public Counter.Child OutputTokens { get; } = Tokens.WithLabels(alias, channel, "output");

        public Counter.Child Cost { get; } = GatewayMetrics.Cost.WithLabels(alias, channel);

        public Counter.Child Estimated { get; } = EstimatedUsage.WithLabels(alias, channel);

        public Counter.Child AttemptSucceeded { get; } = Attempts.WithLabels(channel, "success");
    }
}
