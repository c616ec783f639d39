using System.CommandLine;
using Mlctl.AzureMl;
using Mlctl.AzureMl.V1;
using Mlctl.Cli;
using Platform.Client;

namespace Mlctl.Commands;

/// <summary><c>mlctl model register|list|show|delete|deploy</c>, with az ml's flags.</summary>
internal static class ModelCommands
{
    public static Command Create(CommandContext context)
    {
        var model = new Command("model", "Register, list, show, delete and deploy models.");
        model.Subcommands.Add(Register(context));
        model.Subcommands.Add(List(context));
        model.Subcommands.Add(Show(context));
        model.Subcommands.Add(Delete(context));
        model.Subcommands.Add(Deploy(context));
        return model;
    }

    private static Command Register(CommandContext context)
    {
        var name = Options.Required("--name", "-n", "Model name.");
        var path = Options.Required("--path", "-p", "A model file, or a folder uploaded with its relative paths.");
        var framework = Options.Optional("--model-framework", null, "onnx (default), custom, …");
        var tags = Options.Many("--tag", "-t", "key=value tags (repeatable).");
        var description = Options.Optional("--description", "-d", "Description.");
        var command = new Command("register", "Register a model file or folder as a new version.") { name, path, framework, tags, description };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            var file = context.Env.Resolve(parse.GetValue(path)!);
            var request = new RegisterModelRequest(parse.GetValue(name)!, [file])
            {
                Framework = parse.GetValue(framework)?.ToLowerInvariant(),
                Description = parse.GetValue(description),
                Tags = Options.Pairs(parse.GetValue(tags), "--tag"),
            };
            var registered = await context.WithUploadProgressAsync($"Uploading {Path.GetFileName(file)}", p => platform.Models.RegisterAsync(request, p, ct));
            context.Writer(parse).Write(registered, Columns.Model);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommandContext context)
    {
        var name = Options.Optional("--name", "-n", "Only versions of this model.");
        var tags = Options.Many("--tag", "-t", "Only versions with these key=value tags.");
        var command = new Command("list", "List model versions.") { name, tags };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            var list = await platform.Models.ListAsync(parse.GetValue(name), Options.Pairs(parse.GetValue(tags), "--tag"), ct);
            context.Writer(parse).Write(list, Columns.Model);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CommandContext context)
    {
        var name = Options.Required("--name", "-n", "Model name.");
        var version = Options.Optional("--version", "-v", "Version (default: latest).");
        var command = new Command("show", "Show a model version with its files.") { name, version };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            var found = await platform.Models.GetAsync(parse.GetValue(name)!, parse.GetValue(version) ?? "latest", ct);
            context.Writer(parse).Write(found);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CommandContext context)
    {
        var name = Options.Required("--name", "-n", "Model name.");
        var version = Options.Required("--version", "-v", "Version.");
        var yes = Options.Flag("--yes", "Confirm.");
        var command = new Command("delete", "Delete a model version (refused while a deployment uses it).") { name, version, yes };
        command.SetAction(async (parse, ct) =>
        {
            Options.Confirm(parse.GetValue(yes), $"model {parse.GetValue(name)}:{parse.GetValue(version)}");
            using var platform = context.Connect();
            await platform.Models.DeleteAsync(parse.GetValue(name)!, parse.GetValue(version)!, ct);
            context.Writer(parse).Message($"Deleted {parse.GetValue(name)}:{parse.GetValue(version)}.");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>az ml model deploy (v1): the service becomes an endpoint with one deployment, <c>default</c>.</summary>
    private static Command Deploy(CommandContext context)
    {
        var name = Options.Required("--name", "-n", "Service name (the endpoint).");
        var models = Options.Many("--model", "-m", "name:version of the registered model.");
        models.Required = true;
        var ic = Options.Optional("--inference-config-file", "--ic", "inferenceconfig.json (entry script, environment); leave out to serve an ONNX model as it is.");
        var dc = Options.Optional("--deploy-config-file", "--dc", "deploymentconfig.json (compute type, resources, replicas, autoscaler, auth).");
        var target = Options.Optional("--compute-target", "--ct", "The attached compute of an aks service.");
        var overwrite = Options.Flag("--overwrite", "Update the service if it exists.");
        var noWait = Options.Flag("--no-wait", "Return once the deployment is accepted.");
        var command = new Command("deploy", "Deploy a registered model as a service from Azure ML v1 files (inferenceconfig.json, deploymentconfig.json).")
        {
            name, models, ic, dc, target, overwrite, noWait,
        };
        command.SetAction(async (parse, ct) =>
        {
            var service = parse.GetValue(name)!;
            var ids = parse.GetValue(models) ?? [];
            if (ids.Length != 1) throw new MlctlUsageException("--model: a service here serves one model; give exactly one name:version.");
            var (modelName, modelVersion) = Options.ModelId(ids[0], "--model");

            // Both files are read and judged in full before anything is sent.
            var problems = new List<FileProblem>();
            InferenceConfig? inference = null;
            DeploymentConfig? deployment = null;
            var icPath = parse.GetValue(ic) is { } i ? context.Env.Resolve(i) : null;
            var dcPath = parse.GetValue(dc) is { } d ? context.Env.Resolve(d) : null;
            try { if (icPath is not null) inference = InferenceConfigReader.Read(icPath, service); }
            catch (FileValidationException ex) { problems.AddRange(ex.Problems); }
            try { if (dcPath is not null) deployment = DeploymentConfigReader.Read(dcPath, parse.GetValue(target)); }
            catch (FileValidationException ex) { problems.AddRange(ex.Problems); }
            if (problems.Count > 0) throw new FileValidationException(problems);

            var spec = (deployment?.Deployment ?? new DeploymentSpec { Compute = parse.GetValue(target) ?? "local" }) with
            {
                IsDefault = true,
                EntryScript = inference?.Code.EntryScript,
            };
            var plan = new DeploymentPlan(icPath ?? dcPath ?? "(command line)", service, "default", new ModelSource.Registered(modelName, modelVersion), spec)
            {
                CreateEndpoint = deployment?.Endpoint ?? new EndpointSpec { AuthMode = "key" },
                Code = inference?.Code,
                Environment = inference?.Environment,
                Warnings = deployment?.Warnings ?? [],
            };
            using var platform = context.Connect();
            var result = await new PlanRunner(platform, context).RunAsync(plan, parse.GetValue(overwrite), allTraffic: false, wait: !parse.GetValue(noWait), ct);
            context.Writer(parse).Write(result, Columns.Deployment);
            return ExitCodes.Success;
        });
        return command;
    }
}
