namespace AppHost.Hosting;

/// <summary>
/// One process the AppHost runs: a server, a project, or one replica of a project (<c>inference-0</c>).
/// Its addresses and environment are fixed when the model is built.
/// </summary>
public sealed class ResourceInstance(Resource resource, string name, int replicaIndex)
{
    public Resource Resource { get; } = resource;

    public string Name { get; } = name;

    public int ReplicaIndex { get; } = replicaIndex;

    public Uri? HttpAddress { get; internal set; }

    public Uri? GrpcAddress { get; internal set; }

    /// <summary>Environment injected into the process (projects only; servers are configured by their own classes).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; internal set; } = new Dictionary<string, string>();

    /// <summary>What the dashboard shows as its address.</summary>
    public IReadOnlyList<string> Addresses => Resource switch
    {
        PostgresServerResource pg => [$"postgres://127.0.0.1:{pg.Port}"],
        RabbitMQServerResource mq => [$"amqp://127.0.0.1:{mq.Port}"],
        _ => new[] { HttpAddress, GrpcAddress }.OfType<Uri>().Select(u => u.ToString().TrimEnd('/')).ToList(),
    };

    public override string ToString() => Name;
}
