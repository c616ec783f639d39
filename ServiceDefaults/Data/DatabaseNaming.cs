using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ServiceDefaults.Data;

/// <summary>How a service's EF model names its tables, columns, keys and indexes.</summary>
public enum DatabaseNaming
{
    /// <summary>snake_case everywhere (EFCore.NamingConventions): the platform's convention.</summary>
    SnakeCase,

    /// <summary>
    /// EF Core's own names (the CLR property names, "PK_table", "IX_table_Column"): only for a database whose existing
    /// schema was created that way (deploydb); renaming its columns would change every raw SQL statement against it.
    /// </summary>
    PropertyNames,
}

public static class DatabaseOptions
{
    /// <summary>
    /// The one place a service's DbContext options are made: at run time (<see cref="DatabaseExtensions.AddServiceDatabase{TContext}"/>),
    /// at design time (<see cref="ServiceDbContextFactory{TContext}"/>, for <c>dotnet ef</c>) and in tests, so all three see the same model.
    /// </summary>
    public static DbContextOptionsBuilder UseServiceDatabase(this DbContextOptionsBuilder options, string connectionString, DatabaseNaming naming)
    {
        options.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(3));
        if (naming == DatabaseNaming.SnakeCase)
            options.UseSnakeCaseNamingConvention().ReplaceService<IHistoryRepository, HistoryTableNames>();
        return options;
    }
}
