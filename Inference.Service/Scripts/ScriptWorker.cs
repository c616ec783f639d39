using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Inference.Service.Scripts;

/// <summary>What a script answered: status, headers, content type and body (JSON, or whatever an AMLResponse held).</summary>
public sealed record ScriptAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string ContentType, byte[] Body);

/// <summary>A request as the script sees it (the raw form for @rawhttp scripts, else only the body is used).</summary>
public sealed record ScriptCall(string Method, string Path, string Query, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>
/// One Python worker process running a deployment's entry script, supervised: started with its own environment
/// variables and working directory, init() awaited, requests multiplexed over a unix socket (several in flight),
/// restarted when it dies, when a run() outlives the request timeout, or when it goes above the deployment's memory
/// (<see cref="ScriptMemoryLimit"/>). Its output, and why it was restarted, go to the model's log.
/// </summary>
public sealed class ScriptWorker : IAsyncDisposable
{
    private readonly ScriptSettings _settings;
    private readonly string _workerScript;
    private readonly ScriptLog _log;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task<Connection> _connection;
    private long _nextId;
    private int _restarts;
    private int _memoryKills;

    private ScriptWorker(ScriptSettings settings, string workerScript, ScriptLog log, ILogger logger)
    {
        _settings = settings;
        _workerScript = workerScript;
        _log = log;
        _logger = logger;
        _connection = StartConnectionAsync();
    }

    public JsonObject? Schema { get; private set; }
    public bool RawHttp { get; private set; }
    public int Restarts => _restarts;
    /// <summary>How often a worker was stopped for going above the memory limit.</summary>
    public int MemoryKills => _memoryKills;
    /// <summary>Why the worker was last restarted; null when it never was.</summary>
    public string? LastRestartReason { get; private set; }
    public int? ProcessId => _connection.IsCompletedSuccessfully ? _connection.Result.Process.Id : null;

    /// <summary>Starts the worker and waits for init(); throws <see cref="ScriptInitException"/> with Python's last lines.</summary>
    public static async Task<ScriptWorker> StartAsync(ScriptSettings settings, string workerScript, ScriptLog log, ILogger logger)
    {
        var worker = new ScriptWorker(settings, workerScript, log, logger);
        try
        {
            await worker._connection;
            return worker;
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    public async Task<ScriptAnswer> RunAsync(ScriptCall call, CancellationToken cancellationToken)
    {
        var connection = await _connection.WaitAsync(cancellationToken);
        var id = (ulong)Interlocked.Increment(ref _nextId);
        var pending = new TaskCompletionSource<ScriptFrames.Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Pending[id] = pending;
        try
        {
            var meta = ScriptFrames.Json(new
            {
                method = call.Method, path = call.Path, query = call.Query,
                headers = call.Headers.Select(h => new[] { h.Key, h.Value }),
            });
            await connection.SendAsync(ScriptFrames.Encode(id, ScriptFrames.Request, meta, call.Body), cancellationToken);
            ScriptFrames.Frame frame;
            try
            {
                frame = await pending.Task.WaitAsync(_settings.RequestTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // A Python thread cannot be stopped from outside: the worker goes, and a fresh one runs init() again.
                _log.Add(_settings.InstanceName, "platform", $"run() exceeded {_settings.RequestTimeout}; restarting the worker");
                Restart(connection, "a run() exceeded the request timeout");
                throw new ScriptTimeoutException(_settings.RequestTimeout);
            }
            if (frame.Kind == ScriptFrames.Error)
                throw new ScriptRunException((string?)frame.Meta["type"] ?? "Exception", (string?)frame.Meta["message"] ?? "", (string?)frame.Meta["traceback"] ?? "");
            var headers = frame.Meta["headers"] is JsonObject h
                ? h.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>();
            return new ScriptAnswer((int?)frame.Meta["status"] ?? 200, headers, (string?)frame.Meta["contentType"] ?? "application/json", frame.Body);
        }
        finally
        {
            connection.Pending.TryRemove(id, out _);
        }
    }

    private sealed class Connection(Process process, Socket socket, string folder) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _write = new(1, 1);
        public Process Process { get; } = process;
        public NetworkStream Stream { get; } = new(socket, ownsSocket: true);
        public string Folder { get; } = folder;
        public ConcurrentDictionary<ulong, TaskCompletionSource<ScriptFrames.Frame>> Pending { get; } = new();
        public bool Retired { get; set; }

        public async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
        {
            await _write.WaitAsync(cancellationToken);
            try { await Stream.WriteAsync(frame, cancellationToken); }
            finally { _write.Release(); }
        }

        public void FailAll(Exception error)
        {
            foreach (var (_, pending) in Pending) pending.TrySetException(error);
        }

        public async ValueTask DisposeAsync()
        {
            Retired = true;
            try { if (!Process.HasExited) Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await Stream.DisposeAsync();
            try { await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
            Process.Dispose();
            try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
        }
    }

    private async Task<Connection> StartConnectionAsync()
    {
        // The socket lives in a folder of its own that only this user may enter.
        var folder = Directory.CreateTempSubdirectory("platform-worker-").FullName;
        var socketPath = Path.Combine(folder, "worker.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);

        var start = new ProcessStartInfo(_settings.Python, ["-u", _workerScript, "--socket", socketPath,
            "--script", Path.Combine(_settings.CodeDirectory, _settings.EntryScript), "--threads", _settings.Concurrency.ToString()])
        {
            WorkingDirectory = _settings.CodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Its own environment: nothing of the node's (connection strings, platform credential, data folder) is inherited.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["HOME"] = folder;
        start.Environment["PYTHONUNBUFFERED"] = "1";
        start.Environment["PYTHONNOUSERSITE"] = "1";
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["AZUREML_MODEL_DIR"] = _settings.ModelDirectory;
        start.Environment["AZUREML_ENTRY_SCRIPT"] = _settings.EntryScript;
        start.Environment["AZUREML_SOURCE_DIRECTORY"] = _settings.CodeDirectory;
        var threads = Math.Max(1, _settings.Threads).ToString();
        foreach (var variable in (string[])["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"])
            start.Environment[variable] = threads;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Print("stdout", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Print("stderr", e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Directory.Delete(folder, recursive: true);
            throw new ScriptInitException($"The environment's interpreter '{_settings.Python}' cannot be started: {ex.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // From the start: init() may be what allocates too much. Once serving, a kill fails the requests in it and restarts.
        Connection? serving = null;
        var memory = ScriptMemoryLimit.Watch(process, _settings.MemoryLimitBytes, reason => OnMemoryExceeded(reason, serving), _stopping.Token);

        Socket socket;
        using (var startup = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            startup.CancelAfter(_settings.InitTimeout);
            var accept = listener.AcceptAsync(startup.Token).AsTask();
            var exited = process.WaitForExitAsync(startup.Token);
            if (await Task.WhenAny(accept, exited) != accept || !accept.IsCompletedSuccessfully)
            {
                await Kill(process, folder);
                throw new ScriptInitException($"The worker exited before connecting: {memory.Exceeded ?? LastLines()}");
            }
            socket = accept.Result;
        }
        var connection = new Connection(process, socket, folder);
        var first = await ScriptFrames.ReadAsync(connection.Stream, CancellationToken.None).WaitAsync(_settings.InitTimeout, _stopping.Token)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
        if (first is not { Kind: ScriptFrames.Ready })
        {
            await connection.DisposeAsync();
            var reason = first is { Kind: ScriptFrames.InitFailed }
                ? $"{first.Meta["type"]}: {first.Meta["message"]}\n{LastTracebackLines((string?)first.Meta["traceback"])}"
                : memory.Exceeded ?? $"no answer from init() ({LastLines()})";
            throw new ScriptInitException($"init() of {_settings.EntryScript} failed: {reason}");
        }
        Schema = first.Meta["schema"] as JsonObject;
        RawHttp = (bool?)first.Meta["rawhttp"] ?? false;
        _log.Add(_settings.InstanceName, "platform", $"worker {process.Id} ready (Python {(string?)first.Meta["python"]}, init() done)");
        serving = connection;
        _ = ReadLoopAsync(connection);
        return connection;
    }

    private void OnMemoryExceeded(string reason, Connection? serving)
    {
        Interlocked.Increment(ref _memoryKills);
        _logger.LogWarning("Scoring worker of {Instance}: {Reason}", _settings.InstanceName, reason);
        if (serving is null)
        {
            _log.Add(_settings.InstanceName, "platform", $"{reason} during init()");
            return;
        }
        // Before the socket closes: the requests in it learn why, not just that the worker went away.
        serving.FailAll(new ScriptMemoryLimitException(reason));
        Restart(serving, reason);
    }

    private async Task ReadLoopAsync(Connection connection)
    {
        try
        {
            while (await ScriptFrames.ReadAsync(connection.Stream, _stopping.Token) is { } frame)
            {
                if (connection.Pending.TryGetValue(frame.Id, out var pending)) pending.TrySetResult(frame);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or EndOfStreamException) { }
        connection.FailAll(new ScriptWorkerLostException("The scoring script's worker process ended while the request was in it; it is restarted."));
        if (!connection.Retired && !_stopping.IsCancellationRequested) Restart(connection, "the worker process ended");
    }

    private void Restart(Connection connection, string reason)
    {
        lock (_stopping)
        {
            if (connection.Retired || _stopping.IsCancellationRequested) return;
            connection.Retired = true;
            var attempt = Interlocked.Increment(ref _restarts);
            LastRestartReason = reason;
            _logger.LogWarning("Scoring worker of {Instance} restarts ({Reason}; restart {Attempt})", _settings.InstanceName, reason, attempt);
            _log.Add(_settings.InstanceName, "platform", $"restarting the worker: {reason}");
            _connection = RestartAsync(connection, attempt);
        }
    }

    private async Task<Connection> RestartAsync(Connection old, int attempt)
    {
        old.FailAll(new ScriptWorkerLostException("The scoring script's worker was restarted while the request was in it."));
        await old.DisposeAsync();
        for (var failures = 0; ; failures++)
        {
            // Back off when it keeps dying, so a crashing script does not spin.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(attempt + failures, 9)))), _stopping.Token);
            try
            {
                return await StartConnectionAsync();
            }
            catch (ScriptInitException ex)
            {
                // It served before, so this is taken as passing (a resource briefly missing): keep trying, requests wait.
                _logger.LogWarning("Scoring worker of {Instance} failed to start again: {Error}", _settings.InstanceName, ex.Message);
                _log.Add(_settings.InstanceName, "platform", $"restart failed, trying again: {ex.Message}");
            }
        }
    }

    private void Print(string stream, string line)
    {
        _log.Add(_settings.InstanceName, stream, line);
        _logger.LogInformation("[{Instance}] {Line}", _settings.InstanceName, line);
    }

    private string LastLines() => string.Join("\n", _log.Tail(10));

    private static string LastTracebackLines(string? traceback) =>
        traceback is null ? "" : string.Join("\n", traceback.TrimEnd().Split('\n').TakeLast(6));

    private static async Task Kill(Process process, string folder)
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        try { await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
        process.Dispose();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_stopping) _stopping.Cancel();
        try
        {
            var connection = await _connection;
            connection.FailAll(new ScriptWorkerLostException("The model was unloaded."));
            await connection.DisposeAsync();
        }
        catch (Exception ex) when (ex is ScriptInitException or OperationCanceledException or ScriptWorkerLostException) { }
    }
}
