using Compute.Service.Infrastructure;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<ComputeDbContext>("computedb");
builder.AddServiceBus();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

public partial class Program;
