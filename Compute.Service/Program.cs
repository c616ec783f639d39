using ServiceDefaults.Security;
using Compute.Service;
using Compute.Service.Apis;
using Compute.Service.Grpc;
using Compute.Service.Infrastructure;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;
using ServiceDefaults.Messaging.Outbox;
using Contracts.Events;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<ComputeDbContext>("computedb");
builder.AddServiceBus();
builder.AddOutbox<ComputeDbContext>(events => events.Add<ComputeTargetChanged>().Add<NodeRegistered>().Add<NodeLost>());
builder.AddComputeServices();
builder.AddComputeGrpc();
// Only the platform (the gateway, the other services) may call it; users come in through the gateway.
builder.AddPlatformAuthentication();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapComputesApi();
app.MapComputeGrpc();

app.Run();

public partial class Program;
