using ServiceDefaults.Security;
using Registry.Service;
using Registry.Service.Apis;
using Registry.Service.Grpc;
using Registry.Service.Infrastructure;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;
using ServiceDefaults.Messaging.Outbox;
using Contracts.Events;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<RegistryDbContext>("registrydb");
builder.AddServiceBus();
builder.AddOutbox<RegistryDbContext>(events => events.Add<ModelRegistered>().Add<ModelDeleted>());
builder.AddRegistryServices();
builder.AddRegistryGrpc();
// Only the platform (the gateway, the other services) may call it; users come in through the gateway.
builder.AddPlatformAuthentication();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapModelsApi();
app.MapEnvironmentsApi();
app.MapRegistryGrpc();

app.Run();

public partial class Program;
