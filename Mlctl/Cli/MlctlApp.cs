using System.CommandLine;
using Mlctl.Commands;
using Mlctl.AzureMl;
using Platform.Client;
using Spectre.Console;

namespace Mlctl.Cli;

/// <summary>The root command, its global options, and the one place failures become messages and exit codes.</summary>
public static class MlctlApp
{
    public static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "table (default), json or yaml",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args, MlctlEnvironment env, CancellationToken ct = default)
    {
        Output.AcceptOnlyFromAmong("table", "json", "yaml");
        var root = new RootCommand("mlctl: deploy and score models on the platform, with Azure ML's own files and flags.");
        root.Options.Add(Output);
        var context = new CommandContext(env);
        root.Subcommands.Add(ModelCommands.Create(context));
        root.Subcommands.Add(EnvironmentCommands.Create(context));
        root.Subcommands.Add(EndpointCommands.Create(context));
        root.Subcommands.Add(DeploymentCommands.Create(context));
        root.Subcommands.Add(TrafficCommands.Create(context));
        root.Subcommands.Add(ComputeCommands.Create(context));
        root.Subcommands.Add(LoginCommand.Create(context));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) env.Error.WriteLine($"error: {error.Message}");
            env.Error.WriteLine("Run 'mlctl --help' (or the command with --help) for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = env.Output, Error = env.Error, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (Exception ex)
        {
            return Fail(env, ex);
        }
    }

    /// <summary>Every failure as one readable message on stderr, and the exit code that says what kind it was.</summary>
    public static int Fail(MlctlEnvironment env, Exception ex)
    {
        var (code, text) = ex switch
        {
            FileValidationException f => (ExitCodes.InvalidInput, f.Message),
            MlctlUsageException u => (ExitCodes.Usage, u.Message),
            PlatformValidationException v => (ExitCodes.InvalidInput, v.Problem.ToString()),
            PlatformNotFoundException n => (ExitCodes.NotFound, n.Problem.ToString()),
            PlatformConflictException c => (ExitCodes.Conflict, c.Problem.ToString()),
            PlatformAuthenticationException a => (ExitCodes.Unauthorized,
                a.Problem + Environment.NewLine + "Check the admin key: MLCTL_ADMIN_KEY, 'mlctl login', or the checkout's .data/admin-key."),
            PlatformUnavailableException u => (ExitCodes.Unavailable, u.Problem.ToString()),
            PlatformConnectionException c => (ExitCodes.Unavailable, c.Message + Environment.NewLine + "Is the platform running (./run.sh)? Set MLCTL_URL or 'mlctl login --url' otherwise."),
            PlatformApiException p => (ExitCodes.Error, p.Problem.ToString()),
            DeploymentFailedException d => (ExitCodes.DeploymentFailed, d.Message),
            TimeoutException t => (ExitCodes.DeploymentFailed, t.Message),
            FileNotFoundException or DirectoryNotFoundException => (ExitCodes.InvalidInput, ex.Message),
            OperationCanceledException => (ExitCodes.Error, "Cancelled."),
            _ => (ExitCodes.Error, ex.ToString()),
        };
        env.ErrorConsole.MarkupLine($"[red]error:[/] {Markup.Escape(text)}");
        return code;
    }
}
