using Registry.Service;
using Registry.Service.Apis;
using Registry.Service.Grpc;
using Registry.Service.Infrastructure;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<RegistryDbContext>("registrydb");
builder.AddServiceBus();
builder.AddRegistryServices();
builder.AddRegistryGrpc();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapModelsApi();
app.MapRegistryGrpc();

app.Run();

public partial class Program;
