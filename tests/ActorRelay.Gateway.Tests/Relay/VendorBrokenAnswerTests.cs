using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Relay;

/// <summary>A vendor on 127.0.0.1 whose answers are broken on the wire: cut short, or without end.</summary>
public sealed class VendorBrokenAnswerTests : OwnJournal
{
    [Fact]
    public async Task NonStream_VendorClosesBeforeTheDeclaredLength_Is502UpstreamInterrupted()
    {
        var (status, error) = await CallAsync(static async (stream, cancellation) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\""u8.ToArray(), cancellation);
            stream.Close();
        });

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("upstream_interrupted", (string?)error["code"]);
    }

    [Fact]
    public async Task NonStream_VendorAnswerWithoutEnd_IsCutAt64MegabytesAnd502()
    {
        var (status, error) = await CallAsync(static (stream, cancellation) => EndlessChunkedAsync(stream, "200 OK", cancellation));

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("upstream_response_too_large", (string?)error["code"]);
        Assert.Contains("more than 64 MB", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task VendorErrorBodyWithoutEnd_ClientGetsTheVendorStatusWithoutItsBody()
    {
        var (status, error) = await CallAsync(static (stream, cancellation) => EndlessChunkedAsync(stream, "400 Bad Request", cancellation));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("upstream_http_400", (string?)error["code"]);
        Assert.EndsWith("answered HTTP 400: ", (string?)error["message"], StringComparison.Ordinal);
    }

    /// <summary>One non-stream call through a gateway whose only channel is a vendor answering every request with <paramref name="answer"/>.</summary>
    private async Task<(HttpStatusCode Status, JsonNode Error)> CallAsync(Func<NetworkStream, CancellationToken, Task> answer)
    {
        await using var vendor = new RawVendor(answer);
        await using var gateway = await RunningGateway.StartAsync(Database, overrides: vendor.Channel("broken", "m-broken"));

        using var response = await gateway.Client.SendAsync(Chat.Request("m-broken", "answer me"), TestContext.Current.CancellationToken);
        return (response.StatusCode, (await Chat.JsonAsync(response))["error"]!);
    }

    /// <summary>A chunked JSON answer with this status whose chunks (1 MB of spaces each) never end, up to 1 GB.</summary>
    private static async Task EndlessChunkedAsync(NetworkStream stream, string status, CancellationToken cancellation)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"), cancellation);
        var chunk = Encoding.ASCII.GetBytes($"{1024 * 1024:x}\r\n{new string(' ', 1024 * 1024)}\r\n");
        for (var sent = 0; sent < 1024; sent++)
        {
            await stream.WriteAsync(chunk, cancellation);
        }
    }
}
