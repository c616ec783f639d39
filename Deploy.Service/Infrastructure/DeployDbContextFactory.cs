using ServiceDefaults.Data;

namespace Deploy.Service.Infrastructure;

/// <summary>Makes the context for <c>dotnet ef</c> (adding a migration needs the model, not a database).</summary>
public sealed class DeployDbContextFactory() : ServiceDbContextFactory<DeployDbContext>(DeployDbContext.Naming);
