using Inference.Service.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddInferenceNode();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapInferenceApis();

app.Run();

public partial class Program;
