using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Inference.Service.Extensions;

/// <summary>
/// How the node's sockets are driven, as on the gateway (Gateway.Service/Configuration/GatewayTransport.cs). Profiled
/// under bench/scoring (iris MLP, c=32, 2 cores): a third of the node's CPU per request was the kernel, much of it
/// thread-pool wake-ups (1.4 work items and 2+ context switches per request) for a request whose own work is a few
/// microseconds. Running socket completions and Kestrel's continuations inline on the thread that saw the I/O removes
/// those hops. What makes that safe here: ONNX Runtime's Run is the one blocking call on the request path, and the
/// scheduler runs it on that thread only for models whose runs are measured cheap; any other run (and batches, and
/// model loads) goes to the thread pool first (Scheduling/ModelScheduler.cs).
/// </summary>
public static class NodeTransport
{
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static IHostApplicationBuilder AddNodeTransport(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(InferenceOptions.Section);
        var inlineScheduling = section.GetValue(nameof(InferenceOptions.InlineScheduling), true);
        builder.Services.Configure<SocketTransportOptions>(o =>
        {
            o.UnsafePreferInlineScheduling = inlineScheduling;
            // Receive straight into a buffer instead of first waiting for readability with a zero-byte read: one
            // syscall less per request, for 4 KiB held per idle connection.
            o.WaitForDataBeforeAllocatingBuffer = false;
        });

        // Read by the runtime when the first socket is used: set before the host is built. An explicit value wins.
        if (section.GetValue(nameof(InferenceOptions.InlineSocketCompletions), true)
            && Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
        return builder;
    }
}
