using System.Net;
using System.Net.Sockets;

namespace AppHost.Servers;

/// <summary>TCP ports free on 127.0.0.1 now, for servers DCP runs without a proxy (they must know their port).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static int Next(int min, int max)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(min, max);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException($"No free TCP port between {min} and {max}.");
    }
}
