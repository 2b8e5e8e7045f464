using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorRelay.Gateway.Tests.Infrastructure;

/// <summary>
/// A vendor on 127.0.0.1 written on a bare socket, for what a real HTTP server would not do (cut an answer short, send
/// one without end) or to see the exact request the gateway sent: it reads each request whole, keeps its head, and
/// answers with the test's bytes. One connection at a time; a connection the gateway drops mid-answer is simply over.
/// </summary>
public sealed class RawVendor : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public RawVendor(Func<NetworkStream, CancellationToken, Task> answer)
    {
        _listener.Start();
        _serving = ServeAsync(answer, _stop.Token);
    }

    /// <summary>The head (request line and headers) of every request received, in order.</summary>
    public ConcurrentQueue<string> RequestHeads { get; } = new();

    /// <summary>Gateway settings for a channel <paramref name="channelId"/> on this vendor and a model alias <paramref name="model"/> on it.</summary>
    public Dictionary<string, string?> Channel(string channelId, string model) => new()
    {
        [$"ActorRelay:Channels:{channelId}:Type"] = "OpenAICompatible",
        [$"ActorRelay:Channels:{channelId}:BaseUrl"] = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1/",
        [$"ActorRelay:Models:{model}:Channel"] = channelId,
        [$"ActorRelay:Models:{model}:VendorModel"] = $"{model}-vendor",
    };

    /// <summary>The value of header <paramref name="name"/> in a request head, or null.</summary>
    public static string? Header(string head, string name) =>
        head.Split("\r\n").Skip(1).FirstOrDefault(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim();

    /// <summary>A JSON answer of declared length with this status.</summary>
    public static Func<NetworkStream, CancellationToken, Task> Json(string status, string json) => async (stream, cancellation) =>
    {
        var body = Encoding.UTF8.GetBytes(json);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"), cancellation);
        await stream.WriteAsync(body, cancellation);
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped while waiting for a connection.
        }

        _stop.Dispose();
    }

    private async Task ServeAsync(Func<NetworkStream, CancellationToken, Task> answer, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            using var connection = await _listener.AcceptTcpClientAsync(cancellation);
            var stream = connection.GetStream();
            try
            {
                // Keep-alive: answer every request on the connection until the gateway closes it.
                while (await ReadRequestAsync(stream, cancellation) is { } head)
                {
                    RequestHeads.Enqueue(head);
                    await answer(stream, cancellation);
                }
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException)
            {
                // The gateway hung up on the answer, or the answer closed the connection.
            }
        }
    }

    /// <summary>One whole request (head and declared body) from the connection; its head, or null once the gateway closed it.</summary>
    private static async Task<string?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellation)
    {
        var received = new List<byte>();
        var buffer = new byte[8192];
        while (true)
        {
            var text = Encoding.ASCII.GetString([.. received]);
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0)
            {
                var head = text[..headEnd];
                var length = Header(head, "Content-Length") is { } declared ? int.Parse(declared, System.Globalization.CultureInfo.InvariantCulture) : 0;
                if (received.Count >= headEnd + 4 + length)
                {
                    return head;
                }
            }

            var read = await stream.ReadAsync(buffer, cancellation);
            if (read == 0)
            {
                return null;
            }

            received.AddRange(buffer.AsSpan(0, read));
        }
    }
}
