namespace Gateway.Service.Configuration;

public static class GatewayEndpointDefaults
{
    /// <summary>
    /// The gateway's default addresses (API.md): REST on 127.0.0.1:8080, gRPC (h2c) on 127.0.0.1:8081, as the lowest
    /// priority configuration so <c>Kestrel__Endpoints__*</c> from the AppHost override them. They are set here, not
    /// in appsettings.json, because the Web SDK copies a referenced project's appsettings.json into the referencing
    /// project's output (the AppHost's, the tests'), where these ports would be bound by the wrong process.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayEndpointDefaults(this IHostApplicationBuilder builder)
    {
        var defaults = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:http:Url"] = "http://127.0.0.1:8080",
            ["Kestrel:Endpoints:http:Protocols"] = "Http1AndHttp2",
            ["Kestrel:Endpoints:grpc:Url"] = "http://127.0.0.1:8081",
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
        };
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });
        return builder;
    }
}
