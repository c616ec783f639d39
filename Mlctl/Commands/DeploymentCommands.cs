using System.CommandLine;
using Mlctl.AzureMl;
using Mlctl.AzureMl.V2;
using Mlctl.Cli;
using Platform.Client;

namespace Mlctl.Commands;

/// <summary><c>mlctl deployment create|update|show|list|logs|delete</c> (az ml online-deployment).</summary>
internal static class DeploymentCommands
{
    public static Command Create(CommandContext context)
    {
        var deployment = new Command("deployment", "Online deployments: create from deployment.yml, show, logs, delete.");
        deployment.Subcommands.Add(CreateOrUpdate(context, "create"));
        deployment.Subcommands.Add(CreateOrUpdate(context, "update"));
        deployment.Subcommands.Add(Show(context));
        deployment.Subcommands.Add(List(context));
        deployment.Subcommands.Add(Logs(context));
        deployment.Subcommands.Add(Delete(context));
        return deployment;
    }

    private static Option<string> EndpointName() => Options.Required("--endpoint-name", "-e", "Endpoint name.");

    private static Command CreateOrUpdate(CommandContext context, string verb)
    {
        var file = Options.Required("--file", "-f", "deployment.yml (Azure ML v2).");
        var name = Options.Optional("--name", "-n", "Overrides the file's name.");
        var endpoint = Options.Optional("--endpoint-name", "-e", "Overrides the file's endpoint_name.");
        var allTraffic = Options.Flag("--all-traffic", "Send all the endpoint's traffic to this deployment once created.");
        var noWait = Options.Flag("--no-wait", "Return once the deployment is accepted.");
        var command = new Command(verb, $"{(verb == "create" ? "Create" : "Update")} a deployment from deployment.yml and wait until it is Healthy.")
        {
            file, name, endpoint, allTraffic, noWait,
        };
        command.SetAction(async (parse, ct) =>
        {
            var plan = DeploymentYamlReader.Read(context.Env.Resolve(parse.GetValue(file)!), parse.GetValue(name), parse.GetValue(endpoint));
            using var platform = context.Connect();
            var exists = true;
            try { await platform.Deployments.GetAsync(plan.Endpoint, plan.Deployment, ct); }
            catch (PlatformNotFoundException) { exists = false; }
            if (verb == "create" && exists)
                throw new PlatformConflictException(new PlatformProblem(409, "Deployment exists", $"Endpoint '{plan.Endpoint}' has a deployment '{plan.Deployment}'; use 'mlctl deployment update'.", null, new Dictionary<string, string[]>(), ""), "deployment create");
            if (verb == "update" && !exists)
                throw new PlatformNotFoundException(new PlatformProblem(404, "Not found", $"Endpoint '{plan.Endpoint}' has no deployment '{plan.Deployment}'; use 'mlctl deployment create'.", null, new Dictionary<string, string[]>(), ""), "deployment update");
            var result = await new PlanRunner(platform, context).RunAsync(plan, overwriteEndpoint: false, parse.GetValue(allTraffic), !parse.GetValue(noWait), ct);
            context.Writer(parse).Write(result, Columns.Deployment);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CommandContext context)
    {
        var name = Options.Required("--name", "-n", "Deployment name.");
        var endpoint = EndpointName();
        var command = new Command("show", "Show a deployment.") { name, endpoint };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Deployments.GetAsync(parse.GetValue(endpoint)!, parse.GetValue(name)!, ct));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommandContext context)
    {
        var endpoint = EndpointName();
        var command = new Command("list", "List an endpoint's deployments.") { endpoint };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Deployments.ListAsync(parse.GetValue(endpoint)!, ct), Columns.Deployment);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Logs(CommandContext context)
    {
        var name = Options.Required("--name", "-n", "Deployment name.");
        var endpoint = EndpointName();
        var lines = new Option<int?>("--lines", "-l") { Description = "Only the last N lines." };
        var command = new Command("logs", "Show a deployment's rollout and node logs.") { name, endpoint, lines };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Env.Output.Write(await platform.Deployments.GetLogsAsync(parse.GetValue(endpoint)!, parse.GetValue(name)!, parse.GetValue(lines), ct));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CommandContext context)
    {
        var name = Options.Required("--name", "-n", "Deployment name.");
        var endpoint = EndpointName();
        var yes = Options.Flag("--yes", "Confirm.");
        var command = new Command("delete", "Delete a deployment.") { name, endpoint, yes };
        command.SetAction(async (parse, ct) =>
        {
            Options.Confirm(parse.GetValue(yes), $"deployment {parse.GetValue(endpoint)}/{parse.GetValue(name)}");
            using var platform = context.Connect();
            await platform.Deployments.DeleteAsync(parse.GetValue(endpoint)!, parse.GetValue(name)!, ct);
            context.Writer(parse).Message($"Deleted deployment {parse.GetValue(endpoint)}/{parse.GetValue(name)}.");
            return ExitCodes.Success;
        });
        return command;
    }
}
