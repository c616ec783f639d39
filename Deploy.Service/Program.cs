using Deploy.Service.Infrastructure;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<DeployDbContext>("deploydb");
builder.AddServiceBus();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

public partial class Program;
