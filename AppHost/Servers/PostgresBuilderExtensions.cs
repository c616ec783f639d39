using System.Security.Cryptography;

namespace AppHost.Servers;

public static class PostgresBuilderExtensions
{
    /// <summary>
    /// PostgreSQL as an executable resource (no container runtime here): <c>{name}-init</c> creates the cluster once and
    /// completes, then the server runs until DCP stops it (fast shutdown). Healthy once it accepts connections.
    /// </summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgresServer(
        this IDistributedApplicationBuilder builder, string name, string root, int port, string logPath)
    {
        Directory.CreateDirectory(root);
        if (port == 0) port = FreePort.Next();
        var password = builder.AddParameter($"{name}-password", LoadOrCreatePassword(root), secret: true);
        var scripts = Path.Combine(AppContext.BaseDirectory, "Servers");

        var init = builder.AddExecutable($"{name}-init", "bash", root, Path.Combine(scripts, "postgres-init.sh"), root, logPath)
            .WithAnnotation(new ServerLogAnnotation("PostgreSQL", logPath));

        var healthKey = $"{name}-ready";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthKey, ct => ServerProbes.PostgresAsync(Path.Combine(root, "data"), port, ct));

        var server = new PostgresServerResource(name, root, password.Resource);
        init.WithParentRelationship(server);
        return builder.AddResource(server)
            .WithArgs(Path.Combine(scripts, "postgres-run.sh"), root, port.ToString(), logPath)
            .WithEndpoint(name: "tcp", scheme: "tcp", port: port, targetPort: port, isProxied: false)
            .WithAnnotation(new ServerLogAnnotation("PostgreSQL", logPath))
            .WithHealthCheck(healthKey)
            .WaitForCompletion(init);
    }

    /// <summary>A database of the server: Running once the server is ready (DCP runs no process for it).</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name)
    {
        var database = server.ApplicationBuilder.AddResource(new PostgresDatabaseResource(name, server.Resource))
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", State = KnownResourceStates.Waiting, Properties = [] });
        server.OnResourceReady((_, e, _) => e.Services.GetRequiredService<ResourceNotificationService>()
            .PublishUpdateAsync(database.Resource, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow }));
        return database;
    }

    /// <summary>The cluster's password (32 hex characters), created on first use and kept beside the data.</summary>
    private static string LoadOrCreatePassword(string root)
    {
        var file = Path.Combine(root, "password");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } existing) return existing;
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(file, password);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return password;
    }
}
