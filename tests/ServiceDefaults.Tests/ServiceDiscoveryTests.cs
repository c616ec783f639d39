using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Grpc;
using ServiceDefaults.Http;

namespace ServiceDefaults.Tests;

/// <summary>Services find each other through Microsoft.Extensions.ServiceDiscovery, from Aspire's services__… settings, as AddServiceDefaults wires it.</summary>
public class ServiceDiscoveryTests
{
    /// <summary>Records where requests were sent and answers 503, in place of the network.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public readonly List<Uri> Sent = [];
        public readonly List<string?> Authorizations = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Sent)
            {
                Sent.Add(request.RequestUri!);
                Authorizations.Add(request.Headers.Authorization?.ToString());
            }
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable));
        }
    }

    private static IHost HostWith(Action<IServiceCollection> configure, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.AddServiceDefaults();
        configure(builder.Services);
        return builder.Build();
    }

    [Fact]
    public async Task An_http_client_addressed_by_service_name_calls_the_configured_address()
    {
        var recorder = new RecordingHandler();
        using var host = HostWith(
            s => s.AddHttpClient("deploy-rest").ConfigurePrimaryHttpMessageHandler(() => recorder),
            ("services:deploy:http:0", "http://127.0.0.1:5103"));

        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("deploy-rest");
        await client.PostAsync("http://deploy/api/v1/endpoints/blue?x=1", null);

        Assert.Equal("http://127.0.0.1:5103/api/v1/endpoints/blue?x=1", Assert.Single(recorder.Sent).OriginalString);
    }

    [Fact]
    public async Task A_grpc_client_calls_the_services_grpc_address()
    {
        var recorder = new RecordingHandler();
        using var host = HostWith(
            s => s.AddServiceGrpcClient<Health.HealthClient>("registry").ConfigurePrimaryHttpMessageHandler(() => recorder),
            ("services:registry:http:0", "http://127.0.0.1:5101"), ("services:registry:grpc:0", "http://127.0.0.1:5102"),
            ("Platform:InternalKey", "service-discovery-test-key"));

        var client = host.Services.GetRequiredService<Health.HealthClient>();
        await Assert.ThrowsAsync<RpcException>(async () => await client.CheckAsync(new HealthCheckRequest()));

        Assert.NotEmpty(recorder.Sent);
        Assert.All(recorder.Sent, uri => Assert.Equal("http://127.0.0.1:5102/grpc.health.v1.Health/Check", uri.ToString()));
        // Every service-to-service gRPC call carries the platform credential.
        Assert.All(recorder.Authorizations, value => Assert.Equal("Bearer service-discovery-test-key", value));
    }

    [Fact]
    public async Task Base_addresses_list_every_replica()
    {
        using var host = HostWith(_ => { },
            ("services:inference:grpc:0", "http://127.0.0.1:7000"), ("services:inference:grpc:1", "http://127.0.0.1:7001"),
            ("services:registry:http:0", "http://127.0.0.1:5101"));
        var addresses = host.Services.GetRequiredService<ServiceBaseAddresses>();

        Assert.Equal([new Uri("http://127.0.0.1:7000"), new Uri("http://127.0.0.1:7001")], await addresses.ResolveAllAsync("inference", "grpc"));
        Assert.Equal(new Uri("http://127.0.0.1:5101"), await addresses.ResolveAsync("registry"));
    }

    [Fact]
    public async Task A_missing_service_names_the_setting_to_configure()
    {
        using var host = HostWith(s => s.AddServiceGrpcClient<Health.HealthClient>("deploy"));

        var addresses = host.Services.GetRequiredService<ServiceBaseAddresses>();
        Assert.Empty(await addresses.ResolveAllAsync("deploy"));
        var rest = await Assert.ThrowsAsync<InvalidOperationException>(() => addresses.ResolveAsync("deploy"));
        Assert.Contains("services__deploy__http__0", rest.Message);
        var grpc = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<Health.HealthClient>());
        Assert.Contains("services__deploy__grpc__0", grpc.Message);
    }
}
