using System.Net;
using System.Net.Sockets;

namespace TestSupport.Servers;

/// <summary>Finds TCP ports that are free on 127.0.0.1 right now.</summary>
internal static class PortAllocator
{
    /// <summary>A port chosen by the kernel from its ephemeral range.</summary>
    public static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A free port inside [<paramref name="min"/>, <paramref name="max"/>): for RabbitMQ's distribution port, because its
    /// command-line tools take their own ports at that port + 10000, which must stay below 65536.
    /// </summary>
    public static int GetFreePort(int min, int max)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(min, max);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"No free TCP port found between {min} and {max}.");
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
