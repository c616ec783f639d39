using ServiceDefaults.Data;

namespace Compute.Service.Infrastructure;

/// <summary>Makes the context for <c>dotnet ef</c> (adding a migration needs the model, not a database).</summary>
public sealed class ComputeDbContextFactory() : ServiceDbContextFactory<ComputeDbContext>(DatabaseNaming.SnakeCase);
