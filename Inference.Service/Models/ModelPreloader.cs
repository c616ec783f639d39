using System.Security.Cryptography;
using System.Text;
using Contracts.Node.V1;
using ServiceDefaults.Security;

namespace Inference.Service.Models;

/// <summary>One model to load when the node starts (section <c>Inference:Preload:{n}</c>).</summary>
public sealed class PreloadModel
{
    public string Name { get; set; } = "";

    /// <summary>An .onnx file or folder on this machine, or an http(s) URL of the .onnx file (downloaded into the cache first).</summary>
    public string Location { get; set; } = "";

    public string Version { get; set; } = "";

    /// <summary>Lower-case hex sha256 the file must have (the registry's); checked on a download and on a cache hit.</summary>
    public string? Sha256 { get; set; }

    /// <summary>
    /// Whether the http(s) <see cref="Location"/> is a platform service (the registry's file download, as Deploy writes
    /// it), which answers only the platform credential. Only then is the credential sent: a model fetched from anywhere
    /// else never sees it.
    /// </summary>
    public bool SendPlatformCredential { get; set; }

    /// <summary>Informational: the deploy package this model came from (a kubernetes pod's env names it).</summary>
    public string? PackageKey { get; set; }

    public PreloadSettings Settings { get; set; } = new();
}

/// <summary>The same settings as node.v1 <c>LoadModel</c>'s, under configuration names.</summary>
public sealed class PreloadSettings
{
    public int IntraOpThreads { get; set; }
    public int InterOpThreads { get; set; }
    public int MaxBatchSize { get; set; }
    public long MaxQueueDelayMicroseconds { get; set; }
    public int MaxQueueSize { get; set; }
    public int Gpus { get; set; }
    public int GpuDeviceId { get; set; }
    public bool AllowCpuFallback { get; set; }
    public string? ExecutionProvider { get; set; }
}

/// <summary>
/// Loads the models of <c>Inference:Preload</c> while the node starts, through the same path as node.v1
/// <c>LoadModel</c>, so a node started by a Kubernetes Deployment serves its model without anyone calling it. An http(s)
/// location is downloaded once into <c>Inference:PreloadCacheFolder</c> (keyed by URL). The host finishes starting
/// (and registers with Compute) only after these loads; a model that fails is logged and left not ready, so the
/// readiness probe on <c>/v2/models/{name}/ready</c> keeps the pod out of its Service.
/// </summary>
internal sealed class ModelPreloader(IConfiguration configuration, NodeControl control, PlatformCredential credential, ILogger<ModelPreloader> logger)
    : IHostedService
{
    public const string Section = "Inference:Preload";
    public const string CacheFolderKey = "Inference:PreloadCacheFolder";
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var models = configuration.GetSection(Section).Get<List<PreloadModel>>() ?? [];
        foreach (var model in models)
        {
            try
            {
                if (string.IsNullOrWhiteSpace(model.Name) || string.IsNullOrWhiteSpace(model.Location))
                    throw new InvalidOperationException("a preloaded model needs a Name and a Location");
                var location = IsUrl(model.Location) ? await DownloadAsync(model, cancellationToken) : model.Location;
                var s = model.Settings;
                var status = await control.LoadAsync(new LoadModelRequest
                {
                    ModelName = model.Name,
                    Location = location,
                    ModelVersion = model.Version,
                    Settings = new Contracts.Node.V1.ModelSettings
                    {
                        IntraOpThreads = s.IntraOpThreads, InterOpThreads = s.InterOpThreads, MaxBatchSize = s.MaxBatchSize,
                        MaxQueueDelayUs = s.MaxQueueDelayMicroseconds, MaxQueueSize = s.MaxQueueSize, Gpus = s.Gpus, GpuDeviceId = s.GpuDeviceId,
                        AllowCpuFallback = s.AllowCpuFallback, ExecutionProvider = s.ExecutionProvider ?? "",
                    },
                }, cancellationToken);
                logger.LogInformation("Preloaded {Model} ({Version}) from {Location} on {Provider}{Package}", model.Name, model.Version, model.Location,
                    status.Provider, model.PackageKey is { Length: > 0 } key ? $", package {key}" : "");
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogError("Preloading {Model} from {Location} failed: {Error}", model.Name, model.Location, e.Message);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool IsUrl(string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Downloads the model file into the cache folder (once per URL; written to a temporary name, then moved in place).</summary>
    private async Task<string> DownloadAsync(PreloadModel model, CancellationToken ct)
    {
        var url = new Uri(model.Location);
        var root = configuration[CacheFolderKey] is { Length: > 0 } configured ? configured : Path.Combine(Path.GetTempPath(), "inference-preload");
        var folder = Path.Combine(root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..32]);
        var fileName = Path.GetFileName(Uri.UnescapeDataString(url.AbsolutePath));
        if (string.IsNullOrEmpty(fileName) || !fileName.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) fileName = "model.onnx";
        var file = Path.Combine(folder, fileName);
        if (File.Exists(file))
        {
            if (await MatchesAsync(file, model.Sha256, ct))
            {
                logger.LogInformation("Model {Model}: {Url} is in the cache ({File})", model.Name, url, file);
                return file;
            }
            logger.LogWarning("Model {Model}: the cached {File} does not have sha256 {Sha256}; downloading it again", model.Name, file, model.Sha256);
            File.Delete(file);
        }

        Directory.CreateDirectory(folder);
        var partial = file + $".{Guid.NewGuid():N}.part";
        // Its own client: the shared resilience pipeline's timeouts are made for calls, not for model-sized downloads.
        // The registry answers only the platform; any other host is not given the credential.
        HttpMessageHandler handler = new SocketsHttpHandler();
        if (model.SendPlatformCredential) handler = new PlatformCredentialHandler(credential) { InnerHandler = handler };
        using var http = new HttpClient(handler) { Timeout = DownloadTimeout };
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
            await using (var target = File.Create(partial))
                await response.Content.CopyToAsync(target, ct);
            // A truncated or altered download must never be loaded, nor cached for the next pod.
            if (!await MatchesAsync(partial, model.Sha256, ct))
                throw new InvalidDataException($"GET {url} gave {new FileInfo(partial).Length} bytes whose sha256 is {await Sha256Async(partial, ct)}, not the expected {model.Sha256}");
            File.Move(partial, file, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
        logger.LogInformation("Model {Model}: downloaded {Url} ({Bytes} bytes) to {File}", model.Name, url, new FileInfo(file).Length, file);
        return file;
    }

    private static async Task<bool> MatchesAsync(string file, string? expected, CancellationToken ct) =>
        string.IsNullOrEmpty(expected) || string.Equals(await Sha256Async(file, ct), expected, StringComparison.OrdinalIgnoreCase);

    private static async Task<string> Sha256Async(string file, CancellationToken ct)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }
}
