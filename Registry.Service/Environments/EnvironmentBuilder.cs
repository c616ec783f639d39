using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Registry.Service.Blobs;
using Registry.Service.Infrastructure;

namespace Registry.Service.Environments;

/// <summary>
/// Builds environments one at a time, oldest queued first: a virtual environment on the base interpreter with its
/// system site packages (the "curated base": Debian's numpy, scipy, scikit-learn, pandas, joblib), then pip installs
/// the requirements from the environment's own wheels and the operator's wheel folders / index, nothing else.
/// {Root}/{hash}/ holds the result; a folder already complete there (an earlier process or test run built it) is
/// reused instead of rebuilt, which is what makes the folder a cache.
/// </summary>
public sealed class EnvironmentBuilder(
    IServiceScopeFactory scopes, BlobStore blobs, PythonInterpreters pythons, EnvironmentBuildQueue queue,
    IOptions<EnvironmentOptions> options, ILogger<EnvironmentBuilder> logger) : BackgroundService
{
    public const string MarkerFile = "build.json";
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RequeueInterruptedAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await BuildNextAsync(stoppingToken)) await queue.WaitAsync(PollInterval, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Environment builder failed; trying again shortly");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>A build the process died in is started again: nothing queued is lost.</summary>
    private async Task RequeueInterruptedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        await db.EnvironmentBuilds.Where(b => b.State == BuildState.Building)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.State, BuildState.Queued), cancellationToken);
    }

    private async Task<bool> BuildNextAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        var build = await db.EnvironmentBuilds.Where(b => b.State == BuildState.Queued).OrderBy(b => b.QueuedAt).FirstOrDefaultAsync(cancellationToken);
        if (build is null) return false;
        var source = await db.EnvironmentVersions.AsNoTracking().Include(v => v.Files)
            .SingleAsync(v => v.Name == build.SourceName && v.Version == build.SourceVersion, cancellationToken);

        build.State = BuildState.Building;
        build.StartedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(cancellationToken);

        var outcome = await BuildAsync(source, cancellationToken);
        build.State = outcome.Error is null ? BuildState.Succeeded : BuildState.Failed;
        build.Error = outcome.Error;
        build.Log = Tail(outcome.Log, options.Value.MaxLogChars);
        build.PythonPath = outcome.PythonPath;
        build.Reused = outcome.Reused;
        build.FinishedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(CancellationToken.None);
        logger.LogInformation("Environment {Hash} ({Source}): {State}{Reused} {Error}", build.Hash[..12], source.Id, build.State,
            build.Reused ? " (reused)" : "", build.Error);
        return true;
    }

    private sealed record Outcome(string? Error, string Log, string? PythonPath, bool Reused);

    private async Task<Outcome> BuildAsync(EnvironmentVersion source, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetFullPath(options.Value.Root), source.Hash);
        var venv = Path.Combine(folder, "venv");
        var python = Path.Combine(venv, "bin", "python");
        var marker = Path.Combine(folder, MarkerFile);
        if (File.Exists(marker) && File.Exists(python))
        {
            var previous = File.Exists(Path.Combine(folder, "build.log")) ? await File.ReadAllTextAsync(Path.Combine(folder, "build.log"), cancellationToken) : "";
            var builtAt = File.GetLastWriteTimeUtc(marker).ToString("u");
            return new Outcome(null, $"Reused the build of content hash {source.Hash} in {folder} (built {builtAt}); nothing was installed.\n" +
                "--- log of that build ---\n" + previous, python, Reused: true);
        }

        var log = new StringBuilder();
        void Say(string line) => log.Append("[platform] ").AppendLine(line);
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); // a build that died half-way
            var wheels = Directory.CreateDirectory(Path.Combine(folder, "wheels")).FullName;
            var specFile = source.Files.Single(f => f.Path == source.SpecFile);
            var spec = EnvironmentSpec.Parse(source.Kind, await File.ReadAllTextAsync(blobs.PathOf(specFile.Sha256), cancellationToken)).Spec!;
            var wheelFiles = source.Files.Where(f => f.Path != source.SpecFile).ToList();
            foreach (var wheel in wheelFiles) File.Copy(blobs.PathOf(wheel.Sha256), Path.Combine(wheels, wheel.Path));
            // A requirement naming one of the environment's wheel files (Azure ML's add_private_pip_wheel puts its URL
            // there) is pointed at our copy.
            var requirements = spec.Requirements.Select(r =>
                wheelFiles.FirstOrDefault(w => r == w.Path || r.EndsWith("/" + w.Path, StringComparison.Ordinal)) is { } w
                    ? Path.Combine(wheels, w.Path) : r).ToList();
            var requirementsFile = Path.Combine(folder, "requirements.txt");
            await File.WriteAllLinesAsync(requirementsFile, requirements, cancellationToken);

            var (basePython, _, pythonError) = pythons.Resolve(source.Python);
            if (pythonError is not null) return new Outcome(pythonError, log.ToString(), null, false);
            Say($"Environment {source.Id}, content hash {source.Hash}: {requirements.Count} requirement(s), {wheelFiles.Count} wheel(s), Python {source.Python}");
            Say($"Creating a virtual environment on {basePython} with its system site packages");
            var exit = await RunAsync(basePython!, ["-m", "venv", "--system-site-packages", venv], log, cancellationToken);
            if (exit != 0) return new Outcome($"Creating the virtual environment failed (exit code {exit}).", log.ToString(), null, false);

            if (requirements.Count > 0)
            {
                List<string> pip = ["-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--no-cache-dir", "--find-links", wheels];
                foreach (var extra in options.Value.WheelFolders) pip.AddRange(["--find-links", extra]);
                if (options.Value.IndexUrl.Length > 0) pip.AddRange(["--index-url", options.Value.IndexUrl]);
                else pip.Add("--no-index");
                pip.AddRange(["-r", requirementsFile]);
                Say($"pip {string.Join(' ', pip.Skip(2))}");
                exit = await RunAsync(python, pip, log, cancellationToken);
                if (exit != 0) return new Outcome(PipFailure.Explain(log.ToString(), exit), log.ToString(), null, false);
            }
            Say("Build succeeded");
            await File.WriteAllTextAsync(Path.Combine(folder, "build.log"), log.ToString(), cancellationToken);
            await File.WriteAllTextAsync(marker, JsonSerializer.Serialize(new { source.Hash, environment = source.Id, builtAt = DateTimeOffset.UtcNow }), cancellationToken);
            return new Outcome(null, log.ToString(), python, false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            Say($"Build failed: {ex.Message}");
            return new Outcome($"The build failed: {ex.Message}", log.ToString(), null, false);
        }
        finally
        {
            if (!File.Exists(marker)) TryDelete(folder);
        }
    }

    /// <summary>Runs a build step with its output appended to the log; killed when the build timeout passes.</summary>
    private async Task<int> RunAsync(string file, IReadOnlyList<string> arguments, StringBuilder log, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // Nothing from the machine's own pip configuration or user site may leak into a build.
        start.Environment["PIP_CONFIG_FILE"] = "/dev/null";
        start.Environment["PYTHONNOUSERSITE"] = "1";
        start.Environment["PIP_NO_INPUT"] = "1";
        using var process = new Process { StartInfo = start };
        var gate = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) log.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.BuildTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            throw new TimeoutException($"The build step took longer than {options.Value.BuildTimeout}.");
        }
        process.WaitForExit(); // drains the output events
        return process.ExitCode;
    }

    private static string Tail(string text, int max) => text.Length <= max ? text : "…" + text[^max..];

    private void TryDelete(string folder)
    {
        try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { logger.LogWarning(ex, "Could not delete {Folder}", folder); }
    }
}
