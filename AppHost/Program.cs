using AppHost;
using AppHost.Servers;

// The platform's application model, run by Aspire (DCP starts and watches every process): what runs, what each part
// is told, and what waits for what. The services reach their databases and each other through WithReference.
if (!AppHostOptions.TryParse(args, out var options, out var error))
{
    Console.Error.WriteLine($"error: {error}");
    return 2;
}

var builder = PlatformBuilder.Create(options);

var postgres = builder.AddPostgresServer("postgres", options.DataPath("postgres"), options.PostgresPort, options.DataPath("logs", "postgres.log"));
var registryDb = postgres.AddDatabase("registrydb");
var computeDb = postgres.AddDatabase("computedb");
var deployDb = postgres.AddDatabase("deploydb");
var gatewayDb = postgres.AddDatabase("gatewaydb");

var messaging = builder.AddRabbitMqServer("messaging", options.DataPath("messaging"), options.RabbitMqPort, options.DataPath("logs", "messaging.log"));

var registry = builder.AddService<Projects.Registry_Service>("registry", options)
    .WithReference(registryDb).WaitFor(registryDb)
    .WithReference(messaging).WaitFor(messaging)
    .WithEnvironment("Registry__BlobRoot", options.DataPath("registry", "blobs"))
    // Built environments, one folder per content hash; an operator (or the tests) may keep them elsewhere, as a cache.
    .WithEnvironment("Environments__Root", Environment.GetEnvironmentVariable("Environments__Root") is { Length: > 0 } envs
        ? envs : options.DataPath("registry", "envs"));

var compute = builder.AddService<Projects.Compute_Service>("compute", options)
    .WithReference(computeDb).WaitFor(computeDb)
    .WithReference(messaging).WaitFor(messaging);

var deploy = builder.AddService<Projects.Deploy_Service>("deploy", options)
    .WithReference(deployDb).WaitFor(deployDb)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(registry).WaitFor(registry)
    .WithReference(compute).WaitFor(compute);

// Each replica registers with Compute under its own instance name and its own address (not the shared proxy's).
if (options.InferenceNodes > 0)
{
    builder.AddService<Projects.Inference_Service>("inference", options)
        .WithReplicas(options.InferenceNodes)
        .WithReference(compute).WaitFor(compute)
        // The native library comes with the node's NuGet package (runtimes/linux-x64); it never phones home.
        .WithEnvironment("ORT_DISABLE_TELEMETRY", "1");
}

builder.AddService<Projects.Gateway_Service>("gateway", options, httpPort: options.GatewayPort, grpcPort: options.GrpcPort)
    .WithReference(gatewayDb).WaitFor(gatewayDb)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(registry).WithReference(compute)
    .WithReference(deploy).WaitFor(deploy)
    .WithEnvironment("Gateway__AdminKeyFile", options.DataPath("admin-key"));

builder.Services.AddPlatformRun(options);

await using var app = builder.Build();
try
{
    await app.RunAsync();
}
catch (OperationCanceledException) when (RunOutcome.ExitCode != 0)
{
    // A server failed while the app was starting: ServerFailureWatcher said which, and stopped the start.
}
return RunOutcome.ExitCode;
