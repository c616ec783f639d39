using Gateway.Service.Infrastructure;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<GatewayDbContext>("gatewaydb");
builder.AddServiceBus();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

public partial class Program;
