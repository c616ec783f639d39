namespace Platform.Client;

/// <summary>Where the platform is and how to authenticate to its control plane (API.md's addresses).</summary>
public sealed class PlatformClientOptions
{
    public static readonly Uri DefaultAddress = new("http://127.0.0.1:8080");

    /// <summary>The gateway's REST address: control plane (<c>/api/v1</c>) and scoring.</summary>
    public Uri BaseAddress { get; set; } = DefaultAddress;

    /// <summary>The gateway's gRPC (h2c) address for KServe v2 gRPC; by default the REST host on port 8081.</summary>
    public Uri? GrpcAddress { get; set; }

    /// <summary>The admin key for <c>/api/v1</c> (<c>.data/admin-key</c> of the run command).</summary>
    public string? AdminKey { get; set; }

    /// <summary>Per request; uploads of large models and long log reads may need more.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A handler to send through (tests, proxies); the client does not dispose it.</summary>
    public HttpMessageHandler? Handler { get; set; }

    internal Uri ResolvedGrpcAddress => GrpcAddress ?? new UriBuilder(BaseAddress) { Port = 8081, Path = "/" }.Uri;
}
