using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Gateway.Service.Configuration;

/// <summary>
/// How the gateway's sockets are driven. The scoring path is a relay (read a request, send it to a node, copy the
/// answer back) whose own work is a few microseconds, so what it costs is mostly hand-offs between threads: by
/// default every socket completion and every Kestrel pipe continuation is queued to the thread pool, several
/// wake-ups per request. Measured on the gateway benchmark (bench/gateway), running them inline on the thread that
/// observed the I/O removes most of them. Safe here because nothing on the gateway's request paths blocks a thread
/// (all I/O is awaited); a blocking call on these paths would stall other connections.
/// </summary>
public static class GatewayTransport
{
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static IHostApplicationBuilder AddGatewayTransport(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(GatewayOptions.Section);
        var inlineScheduling = section.GetValue(nameof(GatewayOptions.InlineScheduling), true);
        builder.Services.Configure<SocketTransportOptions>(o =>
        {
            o.UnsafePreferInlineScheduling = inlineScheduling;
            // Receive straight into a buffer instead of first waiting for readability with a zero-byte read:
            // one syscall less per read, for 4 KiB of buffer held per idle connection.
            o.WaitForDataBeforeAllocatingBuffer = false;
        });

        // Read once by the runtime when the first socket is used, so it must be set before anything connects or
        // listens: that is, here, before the host is built. An explicit value in the environment wins.
        if (section.GetValue(nameof(GatewayOptions.InlineSocketCompletions), true)
            && Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
        return builder;
    }
}
