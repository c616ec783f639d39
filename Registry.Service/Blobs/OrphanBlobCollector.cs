using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Registry.Service.Infrastructure;

namespace Registry.Service.Blobs;

/// <summary>
/// Removes blobs no file row references (left by deleted versions, or by a registration whose commit failed after its
/// blobs were moved in) and temporary files of uploads that died with the process. Only files untouched for the grace
/// period go: a registration that reuses a blob touches it first, and commits well within the grace period.
/// </summary>
public sealed class OrphanBlobCollector(
    BlobStore blobs, IServiceScopeFactory scopes, IOptions<RegistryOptions> options, ILogger<OrphanBlobCollector> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CollectAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Collecting orphan blobs failed; trying again later");
            }
            await Task.Delay(Interval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    internal async Task<int> CollectAsync(CancellationToken cancellationToken)
    {
        var cutoff = DateTime.UtcNow - options.Value.OrphanBlobGracePeriod;
        foreach (var temp in Directory.EnumerateFiles(blobs.TempFolder))
        {
            if (File.GetLastWriteTimeUtc(temp) < cutoff) File.Delete(temp);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        var removed = 0;
        foreach (var (sha256, lastWrite) in blobs.Enumerate().ToList())
        {
            if (lastWrite >= cutoff) continue;
            if (await db.ModelFiles.AnyAsync(f => f.Sha256 == sha256, cancellationToken)) continue;
            if (await db.EnvironmentFiles.AnyAsync(f => f.Sha256 == sha256, cancellationToken)) continue;
            blobs.Delete(sha256);
            removed++;
        }
        if (removed > 0) logger.LogInformation("Removed {Count} blobs no model version references", removed);
        return removed;
    }
}
