using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Grpc;

/// <summary>
/// Names every mapped gRPC service in <c>grpc.health.v1</c>, so a probe may ask for <c>registry.v1.Registry</c> as well
/// as <c>""</c> (the whole host). The names are read from the app's endpoints when the options are first needed (as
/// the host starts, after every Map call); <see cref="GrpcServerExtensions.MapPlatformGrpcDefaults"/> hands the endpoints
/// over. A health check tagged with a service's name counts only for that service; untagged checks count for all.
/// </summary>
public sealed class GrpcHealthServiceNames : IConfigureOptions<GrpcHealthChecksOptions>
{
    private static readonly HashSet<string> OwnServices = ["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"];

    internal IEndpointRouteBuilder? Routes { get; set; }

    public void Configure(GrpcHealthChecksOptions options)
    {
        var names = (Routes?.DataSources ?? [])
            .SelectMany(source => source.Endpoints)
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.ServiceName)
            .OfType<string>()
            .Where(n => !OwnServices.Contains(n))
            .ToHashSet(StringComparer.Ordinal);
        options.Services.Map("", _ => true);
        foreach (var name in names)
        {
            options.Services.Map(name, result => result.Tags.Contains(name) || !result.Tags.Any(names.Contains));
        }
    }
}
