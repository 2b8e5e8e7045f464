using ActorRelay.Core.Policy;
using BenchmarkDotNet.Attributes;

namespace ActorRelay.Benchmarks.Policy;

/// <summary>
/// The rate-limit arithmetic an entity runs per admission or lease: a bucket take, a lease slice, and a whole
/// requests-and-tokens decision (with the values of OpenAI's rate-limit headers). The clock advances by 1 ms a call, so
/// every call also refills; the limits are large enough that nothing is ever refused.
/// </summary>
[MemoryDiagnoser]
public class RateLimiterBenchmarks
{
    private const long TicksPerCall = TimeSpan.TicksPerMillisecond;

    private readonly TokenBucket _bucket = TokenBucket.PerMinute(long.MaxValue / TimeSpan.TicksPerMinute, 0);
    private readonly RateLimiter _limiter = new(new RateLimits(100_000_000, 10_000_000_000), 0);
    private long _now;

    [Benchmark]
    public bool BucketTryTake() => _bucket.TryTake(1, _now += TicksPerCall, out _);

    [Benchmark]
    public long BucketTryTakeBatch() => _bucket.TryTakeBatch(100, _now += TicksPerCall);

    [Benchmark]
    public bool LimiterWouldAllow() => _limiter.WouldAllow(_now += TicksPerCall, 1_000);

    [Benchmark]
    public RateDecision LimiterDecide() => _limiter.Decide(_now += TicksPerCall, 1_000);
}
