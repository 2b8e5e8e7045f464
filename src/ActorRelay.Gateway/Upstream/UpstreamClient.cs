using System.Net.Http.Headers;
using System.Net.Sockets;
using ActorRelay.Core.Translation;
using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Options;
using ActorRelay.Gateway.Routing;
using ActorRelay.Gateway.Simulated;

namespace ActorRelay.Gateway.Upstream;

/// <summary>
/// Sends calls to vendors through the factory's pooled handler (SocketsHttpHandler, connection reuse, response headers
/// read before the body). It runs on the request's own task, never inside an actor. It calls the handler through an
/// <see cref="HttpMessageInvoker"/>, not an <see cref="HttpClient"/>: the gateway uses none of HttpClient's additions (base
/// address, default headers, its own timeout, buffering), and HttpClient would make a cancellation source of its own and
/// link it to the call's token on every call.
/// </summary>
internal sealed class UpstreamClient(IHttpMessageHandlerFactory handlers, InProcessSimulatedVendor simulatedVendor)
{
    public const string HandlerName = "upstream";
    private static readonly HttpRequestOptionsKey<TimeSpan> ConnectTimeoutKey = new("actorrelay.connect-timeout");

    /// <summary>Vendor URLs by base URL and relative path: parsed once, not per call (a <see cref="Uri"/> is immutable).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Base, string Path), Uri> _urls = new();

    /// <summary>
    /// Sends <paramref name="call"/> to its path under the channel's base URL, with the vendor key
    /// in the header the channel type expects (Bearer, <c>x-api-key</c>, <c>x-goog-api-key</c> or Azure's <c>api-key</c>, plus
    /// Azure's <c>api-version</c>), the protocol's and the channel's own headers.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(ResolvedRoute route, Relay.UpstreamCall call, string requestId, CancellationToken cancellationToken)
    {
        var (relativePath, content, protocolHeaders) = (call.RelativePath, call.Content, call.Headers);
        var channel = route.Channel;
        if (channel.Type == ChannelType.AzureOpenAI)
        {
            relativePath += (relativePath.Contains('?', StringComparison.Ordinal) ? "&api-version=" : "?api-version=") + Uri.EscapeDataString(channel.ApiVersion);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, Url(route, relativePath)) { Content = content };
        if (channel.ConnectTimeoutSeconds != ChannelOptions.DefaultConnectTimeoutSeconds)
        {
            // Only read if the request opens a connection; a channel on the default spares every call the options' dictionary.
            request.Options.Set(ConnectTimeoutKey, TimeSpan.FromSeconds(channel.ConnectTimeoutSeconds));
        }

        request.Headers.TryAddWithoutValidation(RequestIdMiddleware.HeaderName, requestId);
        TraceContext.Inject(request);
        if (!string.IsNullOrEmpty(channel.ApiKey))
        {
            switch (channel.Type == ChannelType.AzureOpenAI ? null : (VendorProtocolKind?)channel.ProtocolKind)
            {
                case null:
                    request.Headers.TryAddWithoutValidation("api-key", channel.ApiKey);
                    break;
                case VendorProtocolKind.Anthropic:
                    request.Headers.TryAddWithoutValidation("x-api-key", channel.ApiKey);
                    break;
                case VendorProtocolKind.Gemini:
                    request.Headers.TryAddWithoutValidation("x-goog-api-key", channel.ApiKey);
                    break;
                default:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channel.ApiKey);
                    break;
            }
        }

        foreach (var (name, value) in protocolHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        foreach (var (name, value) in channel.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var invoker = new HttpMessageInvoker(handlers.CreateHandler(HandlerName), disposeHandler: false);
            return await invoker.SendAsync(request, cancellationToken);
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
        var timeout = context.InitialRequestMessage.Options.TryGetValue(ConnectTimeoutKey, out var configured)
            ? configured
            : TimeSpan.FromSeconds(ChannelOptions.DefaultConnectTimeoutSeconds);
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

    private Uri Url(ResolvedRoute route, string relativePath)
    {
        var baseUrl = !string.IsNullOrEmpty(route.Channel.BaseUrl)
            ? route.Channel.BaseUrl
            : route.Channel.Type == ChannelType.Simulated && simulatedVendor.BaseUrlFor(route.Channel.Protocol) is { } simulated
                ? simulated.OriginalString
                : throw new InvalidOperationException($"Channel '{route.ChannelId}' has no BaseUrl.");
        return _urls.GetOrAdd((baseUrl, relativePath), static key =>
            new Uri(new Uri(key.Base.EndsWith('/') ? key.Base : key.Base + "/"), key.Path));
    }
}
