using System.CommandLine;
using Mlctl.Configuration;
using Mlctl.Output;
using Platform.Client;
using Spectre.Console;

namespace Mlctl.Cli;

/// <summary>What every command needs: the client on the resolved settings, the output writer, progress display.</summary>
public sealed class CommandContext(MlctlEnvironment env)
{
    public MlctlEnvironment Env { get; } = env;

    public PlatformClient Connect() => Connect(MlctlSettings.Resolve(Env));

    public static PlatformClient Connect(MlctlSettings settings) =>
        new(new PlatformClientOptions { BaseAddress = settings.Url, AdminKey = settings.AdminKey });

    public OutputWriter Writer(ParseResult parse) =>
        new(Env, Enum.Parse<OutputFormat>(parse.GetValue(MlctlApp.Output) ?? "table", ignoreCase: true));

    /// <summary>A note on stderr (never mixed into JSON/YAML output).</summary>
    public void Note(string text) => Env.ErrorConsole.MarkupLine(Markup.Escape(text));

    public void Warn(string text) => Env.ErrorConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(text)}");

    /// <summary>Runs an upload with a progress bar on an interactive terminal, or a line per quarter otherwise.</summary>
    public async Task<T> WithUploadProgressAsync<T>(string what, Func<IProgress<UploadProgress>, Task<T>> upload)
    {
        if (Env.Interactive)
        {
            T result = default!;
            await Env.ErrorConsole.Progress().AutoClear(false).StartAsync(async p =>
            {
                var task = p.AddTask(Markup.Escape(what), maxValue: 1);
                result = await upload(new Progress<UploadProgress>(u => task.Value = u.Fraction));
                task.Value = 1;
            });
            return result;
        }
        var lastQuarter = -1;
        return await upload(new SyncProgress<UploadProgress>(u =>
        {
            var quarter = (int)(u.Fraction * 4);
            if (quarter == lastQuarter) return;
            lastQuarter = quarter;
            Note($"{what}: {u.Fraction:P0} of {u.TotalBytes:N0} bytes");
        }));
    }

    /// <summary>Waits for a rollout, showing each state the deployment passes through.</summary>
    public async Task<Deployment> WithRolloutProgressAsync(string what, Func<IProgress<Deployment>, Task<Deployment>> wait)
    {
        if (Env.Interactive)
        {
            Deployment result = null!;
            await Env.ErrorConsole.Status().StartAsync(Markup.Escape(what), async s =>
            {
                result = await wait(new Progress<Deployment>(d =>
                {
                    s.Status(Markup.Escape($"{what}: {d.State}{(d.Error is null ? "" : " — " + d.Error)}"));
                    Env.ErrorConsole.MarkupLine(Markup.Escape($"{d.Endpoint}/{d.Name}: {d.State}"));
                }));
            });
            return result;
        }
        return await wait(new SyncProgress<Deployment>(d => Note($"{d.Endpoint}/{d.Name}: {d.State}{(d.Error is null ? "" : " — " + d.Error)}")));
    }

    /// <summary>Reports on the calling thread: Progress&lt;T&gt; posts to the thread pool, so lines could come out of order.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
