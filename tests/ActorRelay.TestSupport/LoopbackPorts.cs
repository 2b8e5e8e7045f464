using System.Net;
using System.Net.Sockets;

namespace ActorRelay.TestSupport;

/// <summary>Ports for servers that tests start as separate processes on 127.0.0.1.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// A free port below the kernel's ephemeral range (32768 and up), so that no outgoing connection of this busy
    /// machine can take it between this check and the server binding it.
    /// </summary>
    public static int Free()
    {
        while (true)
        {
            var candidate = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, candidate);
                listener.Start();
                return candidate;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }
    }
}
