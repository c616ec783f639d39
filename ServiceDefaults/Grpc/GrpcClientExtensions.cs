using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Http;
using ServiceDefaults.Security;

namespace ServiceDefaults.Grpc;

public static class GrpcClientExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TClient"/> (a generated client, or a wrapper with a constructor taking a
    /// <see cref="global::Grpc.Core.CallInvoker"/>) with Grpc.Net.ClientFactory, addressed <c>http://_grpc.{serviceName}</c>
    /// and resolved by service discovery from what Aspire puts at <c>services:{serviceName}:grpc:{index}</c>. Calls failing with UNAVAILABLE are retried with backoff (every
    /// RPC between our services is safe to repeat); deadlines are the caller's (the Contracts wrappers set them).
    /// Every call carries the <see cref="PlatformCredential"/> as its <c>authorization</c> metadata: our services answer
    /// only the platform.
    /// </summary>
    public static IHttpClientBuilder AddServiceGrpcClient<TClient>(this IServiceCollection services, string serviceName)
        where TClient : class
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        services.AddPlatformCredential();
        return services
            // One factory name per client type: the gateway has both a wrapper and a generated client for "deploy".
            .AddGrpcClient<TClient>($"{serviceName}/{typeof(TClient).FullName}", (provider, options) =>
            {
                // Without the setting, discovery would pass the bare name to DNS: fail here, naming what to set.
                if (!provider.GetRequiredService<IConfiguration>().GetSection($"services:{serviceName}:grpc").Exists())
                    throw ServiceBaseAddresses.NotConfigured(serviceName, "grpc");
                options.Address = new Uri($"http://_grpc.{serviceName}");
            })
            .ConfigureChannel(channel =>
            {
                channel.ServiceConfig = RetryOnUnavailable;
                channel.MaxReceiveMessageSize = 64 * 1024 * 1024;
                // Between our services on loopback (h2c): the credential is the call's, the channel has no TLS to carry it.
                channel.UnsafeUseInsecureChannelCallCredentials = true;
            })
            .AddCallCredentials((_, metadata, provider) =>
            {
                metadata.Add("authorization", provider.GetRequiredService<PlatformCredential>().AuthorizationHeader);
                return Task.CompletedTask;
            })
            // The REST defaults (ConfigureHttpClientDefaults: timeouts and retries for HTTP methods) are not for gRPC:
            // a 10 s attempt timeout would cut long downloads, and gRPC retries by status, above.
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear())
            // ...but the service-discovery handler the defaults brought is: put it back.
            .AddServiceDiscovery();
    }

    /// <summary>Up to 5 attempts on UNAVAILABLE (connection refused, server restarting), 0.1 s doubling to 2 s, jittered by the client.</summary>
    public static ServiceConfig RetryOnUnavailable { get; } = new()
    {
        MethodConfigs =
        {
            new MethodConfig
            {
                Names = { MethodName.Default },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = 5,
                    InitialBackoff = TimeSpan.FromMilliseconds(100),
                    MaxBackoff = TimeSpan.FromSeconds(2),
                    BackoffMultiplier = 2,
                    RetryableStatusCodes = { global::Grpc.Core.StatusCode.Unavailable },
                },
            },
        },
    };
}
