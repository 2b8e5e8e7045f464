using System.Diagnostics;
using System.Globalization;

namespace ActorRelay.Gateway.Observability;

/// <summary>
/// Gives every request an id: the caller's <c>x-request-id</c> when it is sane, else a new one. The id is echoed
/// on the response, tagged on the trace activity, and put in a logging scope so every log line of the request
/// carries it. It is the request's <see cref="HttpContext.TraceIdentifier"/> from here on too (so what the framework
/// reports by that identifier later, Kestrel's application-error lines for one, names the same id), and the request
/// needs no <see cref="HttpContext.Items"/> dictionary for it. The hosting layer's own log scope was made before this
/// runs and keeps the server's identifier.
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "x-request-id";
    private const int MaxLength = 128;
    private static readonly long IdPrefix = Random.Shared.NextInt64(1L << 40);
    private static long _idCounter;

    public async Task InvokeAsync(HttpContext context)
    {
        var requestId = Accept(context.Request.Headers[HeaderName].ToString()) ?? NewId();
        context.TraceIdentifier = requestId;
        context.Response.Headers[HeaderName] = requestId;
        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            // Tags matter on a recorded activity only (see TraceContext): on one made for propagation nobody reads them.
            activity.SetTag("actorrelay.request_id", requestId);
        }
        using (logger.BeginScope(new RequestIdScope(requestId)))
        {
            await next(context);
        }
    }

    /// <summary>The request's id (see the middleware); a request the middleware did not see has the server's own identifier.</summary>
    public static string RequestId(HttpContext context) => context.TraceIdentifier;

    private static string? Accept(string candidate) =>
        candidate.Length is > 0 and <= MaxLength && candidate.All(c => c is > ' ' and < '\u007f') ? candidate : null;

    /// <summary>
    /// <c>req_</c> and 32 hex digits: the milliseconds since 1970 (so ids sort by time, as a UUIDv7 would), this process's
    /// random 40-bit prefix and a 40-bit counter. Unique within the process by the counter and across a cluster by the
    /// prefix, without a system call for random bytes on every request.
    /// </summary>
    private static string NewId() =>
        string.Create(36, (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Interlocked.Increment(ref _idCounter)), static (chars, state) =>
        {
            "req_".CopyTo(chars);
            (state.Item1 & 0xFFFF_FFFF_FFFF).TryFormat(chars[4..], out _, "x12", CultureInfo.InvariantCulture);
            IdPrefix.TryFormat(chars[16..], out _, "x10", CultureInfo.InvariantCulture);
            (state.Item2 & 0xFF_FFFF_FFFF).TryFormat(chars[26..], out _, "x10", CultureInfo.InvariantCulture);
        });

    /// <summary>A scope that structured loggers render as a <c>RequestId</c> property.</summary>
    private sealed class RequestIdScope(string requestId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] =>
            index == 0 ? new KeyValuePair<string, object>("RequestId", requestId) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{requestId}";
    }
}
