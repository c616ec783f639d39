using ServiceDefaults.Data;

namespace Gateway.Service.Infrastructure;

/// <summary>Makes the context for <c>dotnet ef</c> (adding a migration needs the model, not a database).</summary>
public sealed class GatewayDbContextFactory() : ServiceDbContextFactory<GatewayDbContext>(DatabaseNaming.SnakeCase);
