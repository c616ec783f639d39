using System.Net;
using Grpc.Core;
using GrpcBench.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrpcBench;

/// <summary>The grpc-dotnet server: Kestrel h2c on 127.0.0.1:0 with the Bench service on Grpc.AspNetCore.</summary>
internal static class BenchServer
{
    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<BenchService>();
        await app.StartAsync();

        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Console.WriteLine($"PORT {address.Port}");
        // The parent closes our stdin to stop us.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
    }
}

public sealed class BenchService : Bench.BenchBase
{
    public override Task<PingReply> Ping(PingRequest request, ServerCallContext context) =>
        Task.FromResult(new PingReply { Sequence = request.Sequence, Note = request.Note });
}
