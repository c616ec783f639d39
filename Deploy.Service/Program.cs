using ServiceDefaults.Security;
using Deploy.Service;
using Deploy.Service.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDeployOptions();
builder.AddDeployControlPlane();
builder.AddRollout();
builder.AddReplicaHealthWatching();
builder.AddDeployGrpc();
// Only the platform (the gateway, the other services) may call it; users come in through the gateway.
builder.AddPlatformAuthentication();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapEndpointsApi();
app.MapDeploymentsApi();
app.MapDeployRulesApi();
app.MapDeployGrpc();

app.Run();

public partial class Program;
