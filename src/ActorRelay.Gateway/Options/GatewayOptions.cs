using ActorRelay.Core.Policy;
using ActorRelay.Core.Pricing;
using ActorRelay.Core.Routing;
using ActorRelay.Core.Translation;

namespace ActorRelay.Gateway.Options;

/// <summary>Configuration section <c>ActorRelay</c>: channels, routes, limits, prices. Re-read on change, no restart.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "ActorRelay";

    /// <summary>The tenant billed for every call until virtual keys map calls to tenants.</summary>
    public string DefaultTenant { get; set; } = "default";

    /// <summary>Vendor channels by channel id.</summary>
    public Dictionary<string, ChannelOptions> Channels { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Model aliases served by one channel each (the simple form), by alias.</summary>
    public Dictionary<string, ModelRouteOptions> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Model aliases with several deployments (weights, priorities, strategy, canaries), by alias.</summary>
    public Dictionary<string, RouteOptions> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public RoutingOptions Routing { get; set; } = new();

    public RetryOptions Retry { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();

    public IdempotencyOptions Idempotency { get; set; } = new();

    public PriceOptions Prices { get; set; } = new();

    public ShutdownOptions Shutdown { get; set; } = new();

    public LedgerOptions Ledger { get; set; } = new();

    /// <summary>Where the in-process simulated vendor listens when a Simulated channel has no BaseUrl.</summary>
    public string SimulatedVendorUrl { get; set; } = "http://127.0.0.1:0";
}

public enum ChannelType
{
    /// <summary>The built-in simulated vendor, started in-process unless <see cref="ChannelOptions.BaseUrl"/> points elsewhere.</summary>
    Simulated = 0,

    /// <summary>Any server speaking OpenAI's chat-completions protocol (OpenAI, vLLM, Ollama, DeepSeek, a standalone simulated vendor).</summary>
    OpenAICompatible = 1,

    /// <summary>The Anthropic Messages API (<c>messages</c> under e.g. <c>https://api.anthropic.com/v1/</c>, key in <c>x-api-key</c>).</summary>
    Anthropic = 2,

    /// <summary>Google Gemini (<c>models/{m}:generateContent</c> under e.g. <c>https://generativelanguage.googleapis.com/v1beta/</c>, key in <c>x-goog-api-key</c>).</summary>
    Gemini = 3,

    /// <summary>Azure OpenAI: the deployment URL (<c>https://{resource}.openai.azure.com/openai/deployments/{deployment}/</c>), key in <c>api-key</c>, <c>api-version</c> query.</summary>
    AzureOpenAI = 4,
}

public sealed class ChannelOptions
{
    public ChannelType Type { get; set; } = ChannelType.OpenAICompatible;

    /// <summary>The wire protocol of a <see cref="ChannelType.Simulated"/> channel (the in-process vendor speaks all three).</summary>
    public VendorProtocolKind Protocol { get; set; } = VendorProtocolKind.OpenAI;

    /// <summary>
    /// The vendor's base URL: OpenAI's ends in <c>/v1/</c> (e.g. <c>https://api.openai.com/v1/</c>), Anthropic's too,
    /// Gemini's in <c>/v1beta/</c>, Azure OpenAI's is the deployment URL.
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// The vendor key, sent as the channel type expects (<c>Authorization: Bearer</c>, <c>x-api-key</c>,
    /// <c>x-goog-api-key</c> or <c>api-key</c>). Never logged, never returned.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The <c>api-version</c> query parameter of an <see cref="ChannelType.AzureOpenAI"/> channel.</summary>
    public string ApiVersion { get; set; } = "2024-10-21";

    /// <summary>The protocol the channel speaks.</summary>
    public VendorProtocolKind ProtocolKind => Type switch
    {
        ChannelType.Simulated => Protocol,
        ChannelType.Anthropic => VendorProtocolKind.Anthropic,
        ChannelType.Gemini => VendorProtocolKind.Gemini,
        _ => VendorProtocolKind.OpenAI,
    };

    /// <summary>How many calls may be in flight on this channel across the cluster.</summary>
    public int MaxConcurrency { get; set; } = 512;

    /// <summary>
    /// The first-token timeout: deadline for the vendor's first SSE event (streams) or whole answer (non-streams). A call
    /// that misses it has sent nothing to the client yet, so it falls back or is retried.
    /// </summary>
    public double TimeoutSeconds { get; set; } = 120;

    /// <summary>The connect timeout of a channel that sets none.</summary>
    public const double DefaultConnectTimeoutSeconds = 10;

    /// <summary>Deadline for opening the TCP connection to the vendor.</summary>
    public double ConnectTimeoutSeconds { get; set; } = DefaultConnectTimeoutSeconds;

    /// <summary>Longest silence between two events of a stream; a stalled stream is cut with an SSE error event.</summary>
    public double StallTimeoutSeconds { get; set; } = 60;

    /// <summary>Deadline for the whole call, stream included.</summary>
    public double TotalTimeoutSeconds { get; set; } = 900;

    /// <summary>The vendor's own quota for this channel, enforced cluster-wide by the channel entity (none when unset).</summary>
    public LimitOptions Quota { get; set; } = new();

    public BreakerOptions Breaker { get; set; } = new();

    /// <summary>Extra headers sent to the vendor on every call (e.g. <c>OpenAI-Organization</c>).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class ModelRouteOptions
{
    /// <summary>The channel id the alias is served by.</summary>
    public string Channel { get; set; } = "";

    /// <summary>The model name sent to the vendor; defaults to the alias.</summary>
    public string? VendorModel { get; set; }
}

/// <summary>An alias with several deployments. Deployments of the lowest priority are tried first, ordered by the strategy.</summary>
public sealed class RouteOptions
{
    public RoutingStrategy Strategy { get; set; } = RoutingStrategy.WeightedRandom;

    public List<DeploymentOptions> Deployments { get; set; } = [];

    public List<CanaryOptions> Canaries { get; set; } = [];
}

public sealed class DeploymentOptions
{
    /// <summary>The deployment's id within the alias; defaults to the channel id.</summary>
    public string? Id { get; set; }

    public string Channel { get; set; } = "";

    /// <summary>The model name sent to the vendor; defaults to the alias.</summary>
    public string? VendorModel { get; set; }

    public int Weight { get; set; } = 1;

    public int Priority { get; set; }
}

public sealed class CanaryOptions
{
    /// <summary>The id of the deployment (of the same alias) that gets the canary share.</summary>
    public string Deployment { get; set; } = "";

    public double Percent { get; set; }

    /// <summary>Only these tenants' calls take part; all tenants when empty.</summary>
    public List<string> Tenants { get; set; } = [];
}

/// <summary>How nodes learn run-time routing changes and channel health.</summary>
/// <summary>The cost ledger and the budgets it enforces.</summary>
public sealed class LedgerOptions
{
    /// <summary>
    /// Off, the gateway is a pure router: no call is billed to the ledger and no budget is enforced (usage reports stay
    /// empty). On by default.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A node asks a tenant's ledger for a budget lease worth this many calls at the current call's maximum cost.</summary>
    public int LeaseCalls { get; set; } = 64;

    /// <summary>
    /// A node gathers the calls settled on it this long before it sends each tenant's to its ledger as batches (one
    /// journal write each): fewer, larger writes; a node that crashes loses the calls of at most one interval.
    /// </summary>
    public int BatchMilliseconds { get; set; } = 20;
}

/// <summary>Graceful shutdown (SIGTERM): readiness goes false, in-flight calls get this long, then the node leaves the cluster.</summary>
public sealed class ShutdownOptions
{
    /// <summary>How long in-flight calls may run after SIGTERM; streams still running then end with an SSE error event.</summary>
    public double DrainTimeoutSeconds { get; set; } = 30;

    /// <summary>Time after the drain for leaving the cluster and handing shards off, before the host gives up waiting.</summary>
    public double LeaveTimeoutSeconds { get; set; } = 30;
}

public sealed class RoutingOptions
{
    /// <summary>How often each node checks the route directory for routes changed through the admin API.</summary>
    public double RefreshSeconds { get; set; } = 2;

    /// <summary>How often each node asks every channel entity for its health (breaker, latency, in flight).</summary>
    public double HealthPollSeconds { get; set; } = 1;
}

/// <summary>Retries of calls that failed before their first byte reached the client.</summary>
public sealed class RetryOptions
{
    /// <summary>Rounds over the planned deployments: each deployment is tried at most this many times.</summary>
    public int MaxAttempts { get; set; } = 3;

    public double BaseDelayMs { get; set; } = 250;

    public double MaxDelayMs { get; set; } = 8000;

    /// <summary>The longest vendor Retry-After waited for.</summary>
    public double MaxRetryAfterSeconds { get; set; } = 30;

    /// <summary>No attempt starts later than this after the request arrived.</summary>
    public double DeadlineSeconds { get; set; } = 120;

    public RetryPolicy ToPolicy() => new()
    {
        MaxAttempts = MaxAttempts,
        BaseDelay = TimeSpan.FromMilliseconds(BaseDelayMs),
        MaxDelay = TimeSpan.FromMilliseconds(MaxDelayMs),
        MaxRetryAfter = TimeSpan.FromSeconds(MaxRetryAfterSeconds),
    };
}

/// <summary>Requests and tokens per minute; either may be left unset (unlimited).</summary>
public sealed class LimitOptions
{
    public long? RequestsPerMinute { get; set; }

    public long? TokensPerMinute { get; set; }

    /// <summary>The limits, or null when neither is set.</summary>
    public RateLimits? ToLimits() => RequestsPerMinute is null && TokensPerMinute is null
        ? null
        : new RateLimits(RequestsPerMinute ?? RateLimits.Unlimited, TokensPerMinute ?? RateLimits.Unlimited);
}

/// <summary>Rate limits per virtual key and per tenant, enforced cluster-wide by the tenant's rate-limit entity.</summary>
public sealed class RateLimitOptions
{
    public Dictionary<string, LimitOptions> Tenants { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, LimitOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Limits of every tenant without its own entry.</summary>
    public LimitOptions DefaultTenant { get; set; } = new();

    /// <summary>Limits of every key without its own entry.</summary>
    public LimitOptions DefaultKey { get; set; } = new();
}

/// <summary>Requests carrying an <c>Idempotency-Key</c> header.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>How long a finished call's result answers repeats.</summary>
    public int WindowSeconds { get; set; } = 3600;

    /// <summary>Larger responses are not kept: a repeat then gets 409 instead of a second vendor call.</summary>
    public int MaxStoredBytes { get; set; } = 1024 * 1024;
}

/// <summary>A channel's circuit breaker (see <see cref="CircuitBreakerOptions"/>).</summary>
public sealed class BreakerOptions
{
    public int ConsecutiveFailures { get; set; } = 5;

    public double FailureRatePercent { get; set; } = 50;

    public double SamplingWindowSeconds { get; set; } = 30;

    public int MinimumCalls { get; set; } = 20;

    public double BreakDurationSeconds { get; set; } = 10;

    public double BreakDurationMultiplier { get; set; } = 2;

    public double MaxBreakDurationSeconds { get; set; } = 120;

    public int ProbeCalls { get; set; } = 3;

    public CircuitBreakerOptions ToOptions() => new()
    {
        ConsecutiveFailures = ConsecutiveFailures,
        FailureRatePercent = FailureRatePercent,
        SamplingWindow = TimeSpan.FromSeconds(SamplingWindowSeconds),
        MinimumCalls = MinimumCalls,
        BreakDuration = TimeSpan.FromSeconds(BreakDurationSeconds),
        BreakDurationMultiplier = BreakDurationMultiplier,
        MaxBreakDuration = TimeSpan.FromSeconds(MaxBreakDurationSeconds),
        ProbeCalls = ProbeCalls,
    };
}

public sealed class PriceOptions
{
    /// <summary>Recorded with every ledger event so that a total can always be traced to the prices that made it.</summary>
    public string Version { get; set; } = "1";

    /// <summary>Prices per one million tokens, by vendor model name.</summary>
    public Dictionary<string, ModelPrice> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Prices that apply on one channel only, by channel id, then vendor model name; they win over <see cref="Models"/>.</summary>
    public Dictionary<string, Dictionary<string, ModelPrice>> Channels { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
