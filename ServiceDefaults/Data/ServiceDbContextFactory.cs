using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ServiceDefaults.Data;

/// <summary>
/// What <c>dotnet ef</c> uses to make a service's DbContext at design time, instead of starting the service: adding a
/// migration needs the model only, not a database (the connection string is never opened). A service subclasses it once,
/// in its Infrastructure folder, naming its context and its <see cref="DatabaseNaming"/>.
/// </summary>
public abstract class ServiceDbContextFactory<TContext>(DatabaseNaming naming) : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    private const string NeverOpened = "Host=localhost;Database=design_time_only";

    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>();
        options.UseServiceDatabase(NeverOpened, naming);
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
    }
}
