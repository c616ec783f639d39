using ServiceDefaults.Data;

namespace Registry.Service.Infrastructure;

/// <summary>Makes the context for <c>dotnet ef</c> (adding a migration needs the model, not a database).</summary>
public sealed class RegistryDbContextFactory() : ServiceDbContextFactory<RegistryDbContext>(DatabaseNaming.SnakeCase);
