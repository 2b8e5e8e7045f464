using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Relay;

/// <summary>A vendor on 127.0.0.1 that declares a whole answer and closes its connection part of the way through it.</summary>
public sealed class VendorCutAnswerTests : OwnJournal
{
    [Fact]
    public async Task NonStream_VendorClosesBeforeTheDeclaredLength_Is502UpstreamInterrupted()
    {
        using var vendor = new TcpListener(IPAddress.Loopback, 0);
        vendor.Start();
        var cancellation = TestContext.Current.CancellationToken;
        var serving = ServeCutAnswersAsync(vendor, cancellation);
        var overrides = new Dictionary<string, string?>
        {
            ["ActorRelay:Channels:cut:Type"] = "OpenAICompatible",
            ["ActorRelay:Channels:cut:BaseUrl"] = $"http://127.0.0.1:{((IPEndPoint)vendor.LocalEndpoint).Port}/v1/",
            ["ActorRelay:Models:m-cut:Channel"] = "cut",
            ["ActorRelay:Models:m-cut:VendorModel"] = "cut-model",
        };
        await using var gateway = await RunningGateway.StartAsync(Database, overrides: overrides);

        using var response = await gateway.Client.SendAsync(Chat.Request("m-cut", "answer me"), cancellation);
        var error = (await Chat.JsonAsync(response))["error"]!;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_interrupted", (string?)error["code"]);
        Assert.False(serving.IsFaulted, serving.Exception?.ToString());
    }

    /// <summary>Reads each request whole, then answers 200 with a declared length of 500 bytes, sends 7 of them and closes.</summary>
    private static async Task ServeCutAnswersAsync(TcpListener vendor, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            using var connection = await vendor.AcceptTcpClientAsync(cancellation);
            var stream = connection.GetStream();
            var received = new List<byte>();
            var buffer = new byte[8192];
            while (!WholeRequest(received))
            {
                var read = await stream.ReadAsync(buffer, cancellation);
                if (read == 0)
                {
                    break;
                }

                received.AddRange(buffer.AsSpan(0, read));
            }

            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\""u8.ToArray(), cancellation);
        }
    }

    private static bool WholeRequest(List<byte> received)
    {
        var text = Encoding.ASCII.GetString([.. received]);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            return false;
        }

        var lengthLine = text[..headerEnd].Split("\r\n").FirstOrDefault(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return received.Count >= headerEnd + 4 + length;
    }
}
