using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Registry.Service.Blobs;
using Registry.Tests.Support;
using TestSupport;

namespace Registry.Tests.Api;

/// <summary>Blobs of deleted versions go once no version references them; shared and referenced blobs stay.</summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class OrphanBlobTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private RegistryApp _app = null!;

    public async Task InitializeAsync()
    {
        // A grace period of one second, so the test need not wait an hour.
        _app = new RegistryApp(infrastructure, "registry_orphans",
            settings: new Dictionary<string, string> { ["Registry:OrphanBlobGracePeriod"] = "00:00:01" });
        await _app.WaitHealthyAsync();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task RegisterAsync(string name, params (string Path, byte[] Bytes)[] files)
    {
        var form = new ModelForm().Field("name", name).Field("framework", "custom");
        foreach (var (path, bytes) in files) form.File(path, bytes);
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/api/v1/models", form.Build())).StatusCode);
    }

    [Fact]
    public async Task Blobs_only_a_deleted_version_used_are_collected_and_shared_ones_kept()
    {
        var shared = RandomNumberGenerator.GetBytes(2000);
        var own = RandomNumberGenerator.GetBytes(3000);
        await RegisterAsync("keeper", ("shared.bin", shared));
        await RegisterAsync("leaver", ("shared.bin", shared), ("own.bin", own));
        Assert.Equal(HttpStatusCode.NoContent, (await _app.Http.DeleteAsync("/api/v1/models/leaver/versions/1")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var collector = _app.Services.GetServices<IHostedService>().OfType<OrphanBlobCollector>().Single();
        var removed = await collector.CollectAsync(CancellationToken.None);

        Assert.Equal(1, removed);
        Assert.False(File.Exists(_app.BlobPath(Convert.ToHexStringLower(SHA256.HashData(own)))));
        Assert.True(File.Exists(_app.BlobPath(Convert.ToHexStringLower(SHA256.HashData(shared)))));
        Assert.Equal(shared, await _app.Http.GetByteArrayAsync("/api/v1/models/keeper/versions/1/files/shared.bin"));
    }
}
