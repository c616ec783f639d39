using Google.Protobuf.Reflection;

namespace GrpcLite.Server;

/// <summary>The services mapped on this host, for reflection and health.</summary>
internal sealed class GrpcServiceRegistry
{
    private readonly List<ServiceDescriptor> _services = [];
    private readonly Lock _lock = new();

    public bool UnimplementedRouteMapped { get; set; }

    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_lock)
            {
                return _services.ToArray();
            }
        }
    }

    public void Add(ServiceDescriptor service)
    {
        lock (_lock)
        {
            if (!_services.Any(s => s.FullName == service.FullName))
            {
                _services.Add(service);
            }
        }
    }
}
