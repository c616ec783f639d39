using Spectre.Console;

namespace Mlctl.Cli;

/// <summary>What a run of mlctl sees of the world: variables, working folder, and where it writes (tests pass their own).</summary>
public sealed class MlctlEnvironment(Func<string, string?> variables, string currentDirectory, TextWriter output, TextWriter error, bool interactive)
{
    public Func<string, string?> Variables { get; } = variables;

    public string CurrentDirectory { get; } = currentDirectory;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Tables for people on stdout; progress and messages on stderr, so <c>--output json</c> stays parseable.</summary>
    public IAnsiConsole Console { get; } = Create(output, interactive);

    public IAnsiConsole ErrorConsole { get; } = Create(error, interactive);

    public bool Interactive { get; } = interactive;

    public static MlctlEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory(), System.Console.Out, System.Console.Error,
        !System.Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null);

    /// <summary>A path as the user wrote it, relative to the working folder.</summary>
    public string Resolve(string path) => Path.GetFullPath(path, CurrentDirectory);

    private static IAnsiConsole Create(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // Redirected output is read by scripts and grep: one message per line, not wrapped at 80 columns.
        if (!interactive) console.Profile.Width = 4096;
        return console;
    }
}
