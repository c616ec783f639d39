using Microsoft.EntityFrameworkCore;
using Registry.Service.Infrastructure;
using Registry.Service.Models;

namespace Registry.Service.Environments;

/// <summary>Reads registered environment versions together with the build of their content hash.</summary>
public sealed class EnvironmentCatalog(RegistryDbContext db)
{
    private IQueryable<EnvironmentVersion> Versions => db.EnvironmentVersions.AsNoTracking().Include(v => v.Files.OrderBy(f => f.Path));

    public async Task<(EnvironmentVersion Version, EnvironmentBuild Build)?> FindAsync(
        string name, VersionSelector selector, CancellationToken cancellationToken)
    {
        var query = Versions.Where(v => v.Name == name);
        var version = selector.Number is { } number
            ? await query.FirstOrDefaultAsync(v => v.Version == number, cancellationToken)
            : await query.OrderByDescending(v => v.Version).FirstOrDefaultAsync(cancellationToken);
        if (version is null) return null;
        var build = await db.EnvironmentBuilds.AsNoTracking().SingleAsync(b => b.Hash == version.Hash, cancellationToken);
        return (version, build);
    }

    public async Task<List<(EnvironmentVersion Version, EnvironmentBuild Build)>> ListAsync(string? name, int limit, CancellationToken cancellationToken)
    {
        var query = Versions;
        if (name is not null) query = query.Where(v => v.Name == name);
        var versions = await query.OrderBy(v => v.Name).ThenByDescending(v => v.Version).Take(limit).ToListAsync(cancellationToken);
        var hashes = versions.Select(v => v.Hash).Distinct().ToList();
        var builds = await db.EnvironmentBuilds.AsNoTracking().Where(b => hashes.Contains(b.Hash)).ToDictionaryAsync(b => b.Hash, cancellationToken);
        return versions.Select(v => (v, builds[v.Hash])).ToList();
    }
}
