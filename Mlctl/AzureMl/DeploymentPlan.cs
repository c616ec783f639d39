using Platform.Client;

namespace Mlctl.AzureMl;

/// <summary>A model a deployment serves: already registered (<c>name:version</c> or <c>name:latest</c>), or a local path to register.</summary>
public abstract record ModelSource
{
    public sealed record Registered(string Name, string Version) : ModelSource;

    public sealed record Local(string Path, string Name, string Framework) : ModelSource;
}

/// <summary>An environment for scoring code: registered, or a conda/pip file to create one from.</summary>
public abstract record EnvironmentSource
{
    public sealed record Registered(string Name, string Version) : EnvironmentSource;

    public sealed record FromFile(string Path, string Name) : EnvironmentSource;
}

/// <summary>Scoring code: a local folder, registered as a folder model, and the entry script inside it.</summary>
public sealed record CodeSource(string Folder, string EntryScript, string Name);

/// <summary>
/// Everything one deploy command will do, read and validated from the files before anything is written: what to register,
/// which endpoint (created here for v1's service) and the deployment body.
/// </summary>
public sealed record DeploymentPlan(string SourceFile, string Endpoint, string Deployment, ModelSource Model, DeploymentSpec Spec)
{
    /// <summary>v1: the service's endpoint is created (or, with --overwrite, updated) by the command.</summary>
    public EndpointSpec? CreateEndpoint { get; init; }

    public CodeSource? Code { get; init; }

    public EnvironmentSource? Environment { get; init; }

    /// <summary>Settings read from the files that the platform does not apply, said to the user rather than dropped silently.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Parses <c>name:version</c>, <c>azureml:name:version</c> and <c>azureml:name@latest</c>.</summary>
public static class AssetReference
{
    public static (string Name, string Version)? Parse(string text, bool requirePrefix)
    {
        var body = text;
        if (body.StartsWith("azureml:", StringComparison.Ordinal)) body = body["azureml:".Length..];
        else if (requirePrefix) return null;
        if (body.StartsWith("//", StringComparison.Ordinal)) return null;
        var at = body.LastIndexOf('@');
        if (at > 0 && body[(at + 1)..] == "latest") return (body[..at], "latest");
        var colon = body.LastIndexOf(':');
        if (colon <= 0 || colon == body.Length - 1) return null;
        var version = body[(colon + 1)..];
        return version == "latest" || int.TryParse(version, out var v) && v > 0 ? (body[..colon], version) : null;
    }
}
