using Compute.Service;
using Compute.Service.Apis;
using Compute.Service.Infrastructure;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<ComputeDbContext>("computedb");
builder.AddServiceBus();
builder.AddComputeServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapComputesApi();

app.Run();

public partial class Program;
