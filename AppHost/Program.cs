using AppHost;
using AppHost.Hosting;

// The platform's application model: what runs, what each part is told, and what waits for what.
DistributedApplicationBuilder builder;
try
{
    builder = DistributedApplication.CreateBuilder(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
var options = builder.Options;
// The credential inference nodes demand of every caller: created on first start by whichever service reads it first.
var internalKeyFile = builder.DataPath("internal-key");

var postgres = builder.AddPostgres("postgres", options.PostgresPort);
var registryDb = postgres.AddDatabase("registrydb");
var computeDb = postgres.AddDatabase("computedb");
var deployDb = postgres.AddDatabase("deploydb");
var gatewayDb = postgres.AddDatabase("gatewaydb");

var messaging = builder.AddRabbitMQ("messaging", options.RabbitMqPort);

var registry = builder.AddProject("registry", "Registry.Service")
    .WithReference(registryDb).WithReference(messaging)
    .WithEnvironment("Registry__BlobRoot", builder.DataPath("registry", "blobs"))
    .WaitFor(registryDb).WaitFor(messaging);

var compute = builder.AddProject("compute", "Compute.Service")
    .WithReference(computeDb).WithReference(messaging)
    .WaitFor(computeDb).WaitFor(messaging);

var deploy = builder.AddProject("deploy", "Deploy.Service")
    .WithReference(deployDb).WithReference(messaging)
    .WithReference(registry).WithReference(compute)
    .WithEnvironment("Platform__InternalKeyFile", internalKeyFile)
    .WaitFor(deployDb).WaitFor(messaging).WaitFor(registry).WaitFor(compute);

builder.AddProject("inference", "Inference.Service")
    .WithReplicas(options.InferenceNodes)
    .WithReference(compute)
    .WithEnvironment("Inference__NodeName", instance => instance.Name)
    .WithEnvironment("Platform__InternalKeyFile", internalKeyFile)
    // The native library comes with the node's NuGet package (runtimes/linux-x64); it never phones home.
    .WithEnvironment("ORT_DISABLE_TELEMETRY", "1")
    .WaitFor(compute);

builder.AddProject("gateway", "Gateway.Service")
    .WithHttpEndpoint(options.GatewayPort).WithGrpcEndpoint(options.GrpcPort)
    .WithReference(gatewayDb).WithReference(messaging)
    .WithReference(registry).WithReference(compute).WithReference(deploy)
    .WithEnvironment("Gateway__AdminKeyFile", builder.DataPath("admin-key"))
    .WithEnvironment("Platform__InternalKeyFile", internalKeyFile)
    .WaitFor(gatewayDb).WaitFor(messaging).WaitFor(deploy);

try
{
    return await builder.Build().OnReady(PlatformBanner.For(options)).OnReady(DemoRunner.For(options)).RunAsync();
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
