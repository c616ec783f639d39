using Gateway.Service.Apis;
using Gateway.Service.Configuration;
using Gateway.Service.Grpc;
using Gateway.Service.Infrastructure;
using Gateway.Service.Routing;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddGatewayEndpointDefaults();
builder.AddGatewayTransport();
builder.AddServiceDefaults();
builder.AddServiceDatabase<GatewayDbContext>("gatewaydb");
builder.AddServiceBus(bus => bus.AddConsumer<RoutingChangedConsumer>());
builder.AddGatewayAuth();
builder.AddGatewayRouting();
builder.AddDeployRoutingSource();
builder.AddGatewayForwarding();
builder.AddGatewayGrpc();

var app = builder.Build();

app.EnsureAdminKey();
app.MapDefaultEndpoints();
app.MapControlPlaneApi();
app.MapScoringApi();
app.MapKServeApi();
app.MapGatewayGrpc();

app.Run();

public partial class Program;
