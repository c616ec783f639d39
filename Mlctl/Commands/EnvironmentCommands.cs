using System.CommandLine;
using Mlctl.Cli;
using Platform.Client;

namespace Mlctl.Commands;

/// <summary><c>mlctl environment create|show</c>: Python environments for scoring scripts.</summary>
internal static class EnvironmentCommands
{
    public static Command Create(CommandContext context)
    {
        var environment = new Command("environment", "Python environments for scoring scripts.");
        var name = Options.Required("--name", "-n", "Environment name.");
        var file = Options.Required("--file", "-f", "A conda environment.yml or a pip requirements.txt.");
        var wheels = Options.Many("--wheel", null, "Private wheel files (repeatable), as Azure ML's add_private_pip_wheel.");
        var create = new Command("create", "Create an environment version.") { name, file, wheels };
        create.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            var request = new CreateEnvironmentRequest(parse.GetValue(name)!, context.Env.Resolve(parse.GetValue(file)!))
            {
                Wheels = (parse.GetValue(wheels) ?? []).Select(context.Env.Resolve).ToList(),
            };
            var created = await context.WithUploadProgressAsync($"Creating environment {request.Name}", p => platform.Environments.CreateAsync(request, p, ct));
            context.Writer(parse).Write(created);
            return ExitCodes.Success;
        });
        environment.Subcommands.Add(create);

        var showName = Options.Required("--name", "-n", "Environment name.");
        var version = Options.Optional("--version", "-v", "Version (default: latest).");
        var show = new Command("show", "Show an environment version, its build state and log.") { showName, version };
        show.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Environments.GetAsync(parse.GetValue(showName)!, parse.GetValue(version) ?? "latest", ct));
            return ExitCodes.Success;
        });
        environment.Subcommands.Add(show);
        return environment;
    }
}
