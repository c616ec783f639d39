using GrpcLite.Tests.Infrastructure;
using GrpcLite.Tests.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcLite.Tests;

public sealed class ClientRegistrationTests(EchoServer server) : IClassFixture<EchoServer>
{
    [Fact]
    public async Task Typed_client_gets_its_address_from_services_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["services:echo:grpc:0"] = server.Address.ToString() })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddGrpcClient<EchoClient>("echo")
            .BuildServiceProvider();

        var client = services.GetRequiredService<EchoClient>();
        Assert.Equal("typed", await client.EchoAsync("typed"));
        Assert.Same(client.Channel, services.GetRequiredService<EchoClient>().Channel);
    }

    [Fact]
    public void Missing_address_names_the_configuration_key()
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddGrpcClient<EchoClient>("nowhere")
            .BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<EchoClient>());
        Assert.Contains("services:nowhere:grpc:0", error.Message);
    }

    [Fact]
    public async Task Typed_client_can_use_a_fixed_address()
    {
        var services = new ServiceCollection().AddGrpcClient<EchoClient>(server.Address).BuildServiceProvider();
        Assert.Equal("fixed", await services.GetRequiredService<EchoClient>().EchoAsync("fixed"));
    }

    public sealed class EchoClient(GrpcChannel channel)
    {
        public GrpcChannel Channel => channel;

        public async Task<string> EchoAsync(string message) =>
            (await channel.UnaryAsync<EchoRequest, EchoReply>("/grpclite.test.v1.Echo/Unary", new EchoRequest { Message = message })).Message;
    }
}
