using System.Net;
using System.Net.Sockets;
using Contracts.Clients;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using TestSupport;

namespace Registry.Tests.Support;

/// <summary>
/// Registry.Service in-process on real Kestrel (REST on an HTTP/1.1+2 port, gRPC on an h2c port, as AppHost runs it),
/// with its own database on the shared PostgreSQL, the shared RabbitMQ and a private blob folder.
/// </summary>
public sealed class RegistryApp : WebApplicationFactory<Program>
{
    private readonly string _connectionString;
    private readonly string _rabbitMq;
    private readonly long? _maxUploadBytes;
    private readonly int _httpPort = FreePort();
    private readonly int _grpcPort = FreePort();

    private readonly IReadOnlyDictionary<string, string> _settings;

    public RegistryApp(InfrastructureFixture infrastructure, string database, long? maxUploadBytes = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        _settings = settings ?? new Dictionary<string, string>();
        // A fresh database per app, so a reused server (PLATFORM_TEST_POSTGRES) never carries versions from an earlier run.
        _connectionString = infrastructure.PostgresConnectionString($"{database}_{Guid.NewGuid().ToString("N")[..8]}");
        _rabbitMq = infrastructure.RabbitMqConnectionString;
        _maxUploadBytes = maxUploadBytes;
        UseKestrel();
        StartServer();
        // The gateway's and Deploy's way in: with the platform credential (RegistryAuthenticationTests call without it).
        Http = new HttpClient(TestPlatformCredential.Handler(new SocketsHttpHandler())) { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
        Channel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { HttpHandler = TestPlatformCredential.Handler(new SocketsHttpHandler()) });
        Registry = new RegistryClient(Channel);
    }

    public Uri HttpAddress => new($"http://127.0.0.1:{_httpPort}");

    public Uri GrpcAddress => new($"http://127.0.0.1:{_grpcPort}");

    public string BlobRoot { get; } = Path.Combine(Path.GetTempPath(), $"registry-tests-blobs-{Guid.NewGuid():N}");

    public HttpClient Http { get; }

    public GrpcChannel Channel { get; }

    public RegistryClient Registry { get; }

    public IReadOnlyList<string> Blobs =>
        Directory.Exists(Path.Combine(BlobRoot, "sha256"))
            ? Directory.EnumerateFiles(Path.Combine(BlobRoot, "sha256"), "*", SearchOption.AllDirectories).ToList()
            : [];

    public IReadOnlyList<string> TempFiles =>
        Directory.Exists(Path.Combine(BlobRoot, "tmp")) ? Directory.EnumerateFiles(Path.Combine(BlobRoot, "tmp")).ToList() : [];

    public string BlobPath(string sha256) => Path.Combine(BlobRoot, "sha256", sha256[..2], sha256[2..4], sha256);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:registrydb", _connectionString);
        builder.UseSetting("ConnectionStrings:messaging", _rabbitMq);
        builder.UseSetting("Registry:BlobRoot", BlobRoot);
        builder.UseSetting("Environments:Root", Path.Combine(BlobRoot, "envs"));
        if (_maxUploadBytes is { } max) builder.UseSetting("Registry:MaxUploadBytes", max.ToString());
        builder.UseSetting("Kestrel:Endpoints:http:Url", $"http://127.0.0.1:{_httpPort}");
        builder.UseSetting("Kestrel:Endpoints:grpc:Url", $"http://127.0.0.1:{_grpcPort}");
        builder.UseSetting("Kestrel:Endpoints:grpc:Protocols", "Http2");
        builder.UseSetting("OTEL_SERVICE_NAME", "registry");
        builder.UseSetting(TestPlatformCredential.Setting, TestPlatformCredential.Key);
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    /// <summary>Waits for migrations to be applied (the host starts listening only after them, but be explicit).</summary>
    public async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var response = await Http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Registry.Service did not become healthy.");
            await Task.Delay(250);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Http.Dispose();
            Channel.Dispose();
        }
        base.Dispose(disposing);
        if (disposing && Directory.Exists(BlobRoot)) Directory.Delete(BlobRoot, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
