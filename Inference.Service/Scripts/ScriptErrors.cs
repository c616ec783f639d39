namespace Inference.Service.Scripts;

/// <summary>init() of the entry script raised: the deployment fails with the Python error's last lines.</summary>
public sealed class ScriptInitException(string message) : Exception(message);

/// <summary>run() raised: the caller gets 500 with the exception's type and message.</summary>
public sealed class ScriptRunException(string type, string message, string traceback) : Exception($"{type}: {message}")
{
    public string PythonType { get; } = type;
    public string PythonMessage { get; } = message;
    public string Traceback { get; } = traceback;
}

/// <summary>run() did not answer within the request timeout: the worker was stopped (and is started again).</summary>
public sealed class ScriptTimeoutException(TimeSpan timeout)
    : Exception($"The scoring script's run() did not finish within {timeout.TotalSeconds:0.###} s; it was cancelled (the worker is restarted).");

/// <summary>The worker process went away while the request was in it.</summary>
public sealed class ScriptWorkerLostException(string message) : Exception(message);

/// <summary>The worker went above the deployment's memory limit while the request was in it: it was stopped (and is started again).</summary>
public sealed class ScriptMemoryLimitException(string reason)
    : Exception($"The scoring script's worker exceeded its memory limit: {reason} (the worker is restarted).");
