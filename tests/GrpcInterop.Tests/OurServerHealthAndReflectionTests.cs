using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using GrpcInterop.Tests.Infrastructure;

namespace GrpcInterop.Tests;

/// <summary>ServiceDefaults' gRPC set-up seen by grpc-dotnet's own clients: health follows the host's checks per service, reflection lists what is mapped.</summary>
public sealed class OurServerHealthAndReflectionTests(EchoServer server) : IClassFixture<EchoServer>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(server.Address);

    private static CallOptions Timely => new(deadline: DateTime.UtcNow.AddSeconds(10));

    [Fact]
    public async Task Health_answers_per_service_and_follows_the_checks()
    {
        var health = new Health.HealthClient(_channel);
        try
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new() { Service = "interop.test.v1.Echo" }, Timely)).Status);
            server.Health.Healthy = false;
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new() { Service = "interop.test.v1.Echo" }, Timely)).Status);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new() { Service = "" }, Timely)).Status);
        }
        finally
        {
            server.Health.Healthy = true;
        }
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new() { Service = "" }, Timely)).Status);
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new() { Service = "no.such.Service" }, Timely));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Reflection_lists_the_mapped_services()
    {
        using var call = new ServerReflection.ServerReflectionClient(_channel).ServerReflectionInfo(Timely);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("interop.test.v1.Echo", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    public void Dispose() => _channel.Dispose();
}
