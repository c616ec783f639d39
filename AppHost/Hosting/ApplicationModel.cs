using AppHost.Resources;

namespace AppHost.Hosting;

/// <summary>
/// The resolved plan: resources in start order (dependencies first), every instance with its ports, addresses and
/// environment. Building it starts nothing; it only picks free ports and reads (or creates) the PostgreSQL password.
/// </summary>
public sealed class ApplicationModel
{
    private ApplicationModel(IReadOnlyList<Resource> startOrder, IReadOnlyList<ResourceInstance> instances,
        IReadOnlyDictionary<Resource, IReadOnlyList<Resource>> dependencies)
    {
        StartOrder = startOrder;
        Instances = instances;
        Dependencies = dependencies;
    }

    /// <summary>Runnable resources (servers and projects; databases run inside their server), dependencies first.</summary>
    public IReadOnlyList<Resource> StartOrder { get; }

    /// <summary>Every process to run, in start order.</summary>
    public IReadOnlyList<ResourceInstance> Instances { get; }

    /// <summary>For each runnable resource, the runnable resources it waits for.</summary>
    public IReadOnlyDictionary<Resource, IReadOnlyList<Resource>> Dependencies { get; }

    public ResourceInstance this[string instanceName] =>
        Instances.FirstOrDefault(i => i.Name == instanceName) ?? throw new KeyNotFoundException($"No instance named '{instanceName}'.");

    public IEnumerable<ResourceInstance> InstancesOf(Resource resource) => Instances.Where(i => i.Resource == resource);

    internal static ApplicationModel Create(IReadOnlyList<Resource> resources, AppHostOptions options)
    {
        var dependencies = ResourceGraph.Dependencies(resources);
        var order = ResourceGraph.StartOrder(resources, dependencies);
        var ports = new PortPlan();

        foreach (var server in order.OfType<PostgresServerResource>())
        {
            server.Port = ports.Take(server.Port, server.Name);
            server.Password = PostgresServer.LoadOrCreatePassword(server.DataDirectory);
        }
        foreach (var broker in order.OfType<RabbitMQServerResource>()) broker.Port = ports.Take(broker.Port, broker.Name);

        var instances = new List<ResourceInstance>();
        foreach (var resource in order)
        {
            if (resource is not ProjectResource project)
            {
                instances.Add(new ResourceInstance(resource, resource.Name, 0));
                continue;
            }
            if (project.Replicas > 1 && (project.HttpPort is > 0 || project.GrpcPort is > 0))
                throw new InvalidOperationException($"'{project.Name}' has {project.Replicas} replicas, so its ports cannot be fixed: each replica needs its own.");
            for (var i = 0; i < project.Replicas; i++)
            {
                var instance = new ResourceInstance(project, project.IsReplicated ? $"{project.Name}-{i}" : project.Name, i)
                {
                    HttpAddress = new Uri($"http://127.0.0.1:{ports.Take(project.HttpPort ?? 0, project.Name + " http")}"),
                    GrpcAddress = new Uri($"http://127.0.0.1:{ports.Take(project.GrpcPort ?? 0, project.Name + " grpc")}"),
                };
                instances.Add(instance);
            }
        }

        foreach (var instance in instances.Where(i => i.Resource is ProjectResource))
            instance.Environment = ProjectEnvironment.For(instance, instances, options);

        return new ApplicationModel(order, instances, dependencies);
    }

    /// <summary>Hands out ports: fixed ones as asked (twice is an error), free ones never twice.</summary>
    private sealed class PortPlan
    {
        private readonly Dictionary<int, string> _taken = [];

        public int Take(int requested, string forWhat)
        {
            if (requested > 0)
            {
                if (_taken.TryGetValue(requested, out var owner))
                    throw new InvalidOperationException($"Port {requested} is asked for by both {owner} and {forWhat}.");
                _taken[requested] = forWhat;
                return requested;
            }
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var port = PortAllocator.GetFreePort();
                if (_taken.TryAdd(port, forWhat)) return port;
            }
            throw new InvalidOperationException($"No free port for {forWhat}.");
        }
    }
}
