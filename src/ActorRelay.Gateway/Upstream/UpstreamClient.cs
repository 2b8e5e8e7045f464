using System.Net.Http.Headers;
using System.Net.Sockets;
using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Options;
using ActorRelay.Gateway.Routing;
using ActorRelay.Gateway.Simulated;

namespace ActorRelay.Gateway.Upstream;

/// <summary>
/// Sends calls to vendors over one pooled <see cref="HttpClient"/> (SocketsHttpHandler, connection reuse,
/// response headers read before the body). It runs on the request's own task, never inside an actor.
/// </summary>
internal sealed class UpstreamClient(IHttpClientFactory httpClientFactory, InProcessSimulatedVendor simulatedVendor)
{
    public const string HttpClientName = "upstream";
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private static readonly HttpRequestOptionsKey<TimeSpan> ConnectTimeoutKey = new("actorrelay.connect-timeout");

    public async Task<HttpResponseMessage> SendChatCompletionAsync(ResolvedRoute route, byte[] body, string requestId, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl(route), "chat/completions"))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = JsonContentType } },
        };
        request.Options.Set(ConnectTimeoutKey, TimeSpan.FromSeconds(route.Channel.ConnectTimeoutSeconds));
        request.Headers.TryAddWithoutValidation(RequestIdMiddleware.HeaderName, requestId);
        if (!string.IsNullOrEmpty(route.Channel.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", route.Channel.ApiKey);
        }

        foreach (var (name, value) in route.Channel.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            return await httpClientFactory.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        finally
        {
            request.Dispose();
        }
    }

    /// <summary>
    /// The handler's connect step, under the connect timeout of the channel whose request opens the connection. A
    /// timeout surfaces as an <see cref="HttpRequestException"/> whose inner exception is a <see cref="TimeoutException"/>.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var timeout = context.InitialRequestMessage.Options.TryGetValue(ConnectTimeoutKey, out var configured) ? configured : TimeSpan.FromSeconds(10);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, deadline.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {context.DnsEndPoint} took longer than {timeout.TotalSeconds:0.###} s.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Uri BaseUrl(ResolvedRoute route)
    {
        if (!string.IsNullOrEmpty(route.Channel.BaseUrl))
        {
            var configured = route.Channel.BaseUrl.EndsWith('/') ? route.Channel.BaseUrl : route.Channel.BaseUrl + "/";
            return new Uri(configured);
        }

        return route.Channel.Type == ChannelType.Simulated && simulatedVendor.BaseUrl is { } simulated
            ? simulated
            : throw new InvalidOperationException($"Channel '{route.ChannelId}' has no BaseUrl.");
    }
}
