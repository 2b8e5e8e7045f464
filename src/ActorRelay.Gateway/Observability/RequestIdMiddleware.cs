using System.Diagnostics;
using System.Globalization;

namespace ActorRelay.Gateway.Observability;

/// <summary>
/// Gives every request the gateway's own id, new for every call: echoed on the response as <c>x-request-id</c>, tagged
/// on the trace activity, put in a logging scope so every log line of the request carries it, and the id the ledger
/// bills the call under (once). It is the request's <see cref="HttpContext.TraceIdentifier"/> from here on too (so
/// what the framework reports by that identifier later, Kestrel's application-error lines for one, names the same id),
/// and the request needs no <see cref="HttpContext.Items"/> dictionary for it. The hosting layer's own log scope was
/// made before this runs and keeps the server's identifier.
/// A caller's own id for the call, when it is sane, is the client request id: <c>x-client-request-id</c> (OpenAI's
/// header for it) or else <c>x-request-id</c> (as proxies set it). It is echoed as <c>x-client-request-id</c>, tagged
/// and logged (<c>ClientRequestId</c>) beside the gateway's, but never billed under: a caller who sends one id twice
/// has made two calls, and is billed for both.
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "x-request-id";
    public const string ClientHeaderName = "x-client-request-id";
    private const int MaxLength = 128;
    private static readonly long IdPrefix = Random.Shared.NextInt64(1L << 40);
    private static long _idCounter;

    public async Task InvokeAsync(HttpContext context)
    {
        var requestId = NewId();
        var headers = context.Request.Headers;
        var clientRequestId = Accept(headers[ClientHeaderName].ToString()) ?? Accept(headers[HeaderName].ToString());
        context.TraceIdentifier = requestId;
        context.Response.Headers[HeaderName] = requestId;
        if (clientRequestId is not null)
        {
            context.Response.Headers[ClientHeaderName] = clientRequestId;
        }

        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            // Tags matter on a recorded activity only (see TraceContext): on one made for propagation nobody reads them.
            activity.SetTag("actorrelay.request_id", requestId);
            activity.SetTag("actorrelay.client_request_id", clientRequestId);
        }

        using (logger.BeginScope(new RequestIdScope(requestId, clientRequestId)))
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

    /// <summary>A scope that structured loggers render as a <c>RequestId</c> property, and <c>ClientRequestId</c> when the caller sent one.</summary>
    private sealed class RequestIdScope(string requestId, string? clientRequestId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => clientRequestId is null ? 1 : 2;

        public KeyValuePair<string, object> this[int index] => index switch
        {
            0 => new KeyValuePair<string, object>("RequestId", requestId),
            1 when clientRequestId is not null => new KeyValuePair<string, object>("ClientRequestId", clientRequestId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => clientRequestId is null ? $"RequestId:{requestId}" : $"RequestId:{requestId} ClientRequestId:{clientRequestId}";
    }
}
