using System.Security.Cryptography;
using System.Text;

namespace AppHost.Servers;

public static class RabbitMqBuilderExtensions
{
    /// <summary>
    /// RabbitMQ as an executable resource: <c>{name}-epmd</c> (an Erlang port mapper of its own on a private port, so
    /// that no shared <c>epmd -daemon</c> outlives the run), <c>{name}-init</c> (folders and config; completes), then
    /// the node. Healthy once it answers AMQP.
    /// </summary>
    public static IResourceBuilder<RabbitMqServerResource> AddRabbitMqServer(
        this IDistributedApplicationBuilder builder, string name, string root, int port, string logPath)
    {
        Directory.CreateDirectory(root);
        if (port == 0) port = FreePort.Next();
        var epmdPort = FreePort.Next();
        // rabbitmqctl takes ports at the distribution port + 10000: keep it below 55536.
        var distributionPort = FreePort.Next(20000, 50000);
        var scripts = Path.Combine(AppContext.BaseDirectory, "Servers");
        var log = new ServerLogAnnotation("RabbitMQ", logPath);

        var epmdHealth = $"{name}-epmd-ready";
        builder.Services.AddHealthChecks().AddAsyncCheck(epmdHealth, ct => ServerProbes.EpmdAsync(epmdPort, ct));
        var epmd = builder.AddExecutable($"{name}-epmd", "epmd", root, "-port", epmdPort.ToString(), "-address", "127.0.0.1")
            .WithAnnotation(log)
            .WithHealthCheck(epmdHealth);

        var init = builder.AddExecutable($"{name}-init", "bash", root, Path.Combine(scripts, "rabbitmq-init.sh"), root, port.ToString(), logPath)
            .WithAnnotation(log);

        var healthKey = $"{name}-ready";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthKey, ct => ServerProbes.AmqpAsync(port, ct));

        var server = new RabbitMqServerResource(name, root);
        epmd.WithParentRelationship(server);
        init.WithParentRelationship(server);
        return builder.AddResource(server)
            .WithArgs(Path.Combine(scripts, "rabbitmq-run.sh"), root, logPath)
            .WithEnvironment("RABBITMQ_NODENAME", NodeNameFor(root))
            .WithEnvironment("RABBITMQ_DIST_PORT", distributionPort.ToString())
            .WithEnvironment("ERL_EPMD_PORT", epmdPort.ToString())
            .WithEndpoint(name: "amqp", scheme: "tcp", port: port, targetPort: port, isProxied: false)
            .WithAnnotation(log)
            .WithHealthCheck(healthKey)
            .WaitForCompletion(init)
            .WaitFor(epmd);
    }

    /// <summary>Derived from the folder: one folder keeps its node (and data) across runs, two folders never clash.</summary>
    private static string NodeNameFor(string root) =>
        "platform-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(root))))[..10] + "@localhost";
}
