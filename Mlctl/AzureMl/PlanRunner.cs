using Mlctl.Cli;
using Platform.Client;

namespace Mlctl.AzureMl;

/// <summary>
/// Carries out a <see cref="DeploymentPlan"/>: reads first (the endpoint, the registered model and environment must be
/// there), then writes; if the platform refuses the deployment, or cannot honour a part of it, what this command
/// registered or created is removed again, so a refused file leaves nothing half-created.
/// </summary>
public sealed class PlanRunner(PlatformClient platform, CommandContext context)
{
    private readonly List<Func<Task>> _undo = [];

    public async Task<Deployment> RunAsync(DeploymentPlan plan, bool overwriteEndpoint, bool allTraffic, bool wait, CancellationToken ct)
    {
        foreach (var warning in plan.Warnings) context.Warn(warning);
        var modelId = await CheckReadsAsync(plan, overwriteEndpoint, ct);
        try
        {
            var spec = plan.Spec;
            if (plan.Model is ModelSource.Local local)
            {
                var model = await Register(local.Name, [local.Path], local.Framework, ct);
                modelId = model.Id;
            }
            if (plan.Code is { } code)
            {
                var registered = await Register(code.Name, [code.Folder], "custom", ct);
                spec = spec with { CodeModel = registered.Id, EntryScript = code.EntryScript };
            }
            switch (plan.Environment)
            {
                case EnvironmentSource.Registered r:
                    spec = spec with { Environment = $"{r.Name}:{r.Version}" };
                    break;
                case EnvironmentSource.FromFile f:
                    EnvironmentVersion env;
                    try
                    {
                        env = await context.WithUploadProgressAsync($"Creating environment {f.Name}", p =>
                            platform.Environments.CreateAsync(new CreateEnvironmentRequest(f.Name, f.Path), p, ct));
                    }
                    catch (PlatformNotFoundException)
                    {
                        throw new FileValidationException(plan.SourceFile, "environment",
                            "this platform has no environments (POST /api/v1/environments answered 404): it cannot build a conda file.");
                    }
                    context.Note($"Environment {env.Id} created.");
                    spec = spec with { Environment = env.Id };
                    break;
            }
            if (plan.CreateEndpoint is { } endpointSpec)
            {
                var existed = await Exists(() => platform.Endpoints.GetAsync(plan.Endpoint, ct));
                await platform.Endpoints.CreateOrUpdateAsync(plan.Endpoint, endpointSpec, ct);
                if (!existed) _undo.Add(() => platform.Endpoints.DeleteAsync(plan.Endpoint, CancellationToken.None));
            }
            spec = spec with { Model = modelId };
            var existedBefore = await Exists(() => platform.Deployments.GetAsync(plan.Endpoint, plan.Deployment, ct));
            var started = await platform.Deployments.CreateOrUpdateAsync(plan.Endpoint, plan.Deployment, spec, ct);
            if (!existedBefore) _undo.Add(() => platform.Deployments.DeleteAsync(plan.Endpoint, plan.Deployment, CancellationToken.None));
            CheckHonoured(plan, spec, started);
            _undo.Clear(); // the deployment is accepted: from here on it is the user's, failed or not

            if (allTraffic) await platform.Endpoints.SetTrafficAsync(plan.Endpoint, new Dictionary<string, int> { [plan.Deployment] = 100 }, ct);
            if (!wait) return started;
            return await context.WithRolloutProgressAsync($"Deploying {plan.Endpoint}/{plan.Deployment}", p =>
                platform.Deployments.WaitForStateAsync(plan.Endpoint, plan.Deployment, DeploymentStates.Healthy, p,
                    TimeSpan.FromMinutes(15), started.Generation, ct));
        }
        catch
        {
            await UndoAsync();
            throw;
        }
    }

    /// <summary>Everything that can be checked without writing: a refusal here has created nothing.</summary>
    private async Task<string?> CheckReadsAsync(DeploymentPlan plan, bool overwriteEndpoint, CancellationToken ct)
    {
        var problems = new List<FileProblem>();
        if (plan.CreateEndpoint is null)
        {
            if (!await Exists(() => platform.Endpoints.GetAsync(plan.Endpoint, ct)))
                problems.Add(new(plan.SourceFile, "endpoint_name", $"no endpoint named '{plan.Endpoint}': create it first (mlctl endpoint create -f endpoint.yml)."));
        }
        else if (!overwriteEndpoint && await Exists(() => platform.Endpoints.GetAsync(plan.Endpoint, ct)))
        {
            throw new PlatformConflictException(new PlatformProblem(409, "Service exists",
                $"A service (endpoint) named '{plan.Endpoint}' exists; pass --overwrite to update it.", null, new Dictionary<string, string[]>(), ""), "model deploy");
        }
        string? modelId = null;
        if (plan.Model is ModelSource.Registered registered)
        {
            try
            {
                modelId = (await platform.Models.GetAsync(registered.Name, registered.Version, ct)).Id;
            }
            catch (PlatformNotFoundException)
            {
                problems.Add(new(plan.SourceFile, "model", $"no registered model {registered.Name}:{registered.Version} (mlctl model list -n {registered.Name})."));
            }
        }
        if (plan.Environment is EnvironmentSource.Registered env)
        {
            try
            {
                await platform.Environments.GetAsync(env.Name, env.Version, ct);
            }
            catch (PlatformNotFoundException)
            {
                problems.Add(new(plan.SourceFile, "environment", $"no registered environment {env.Name}:{env.Version} (mlctl environment create)."));
            }
        }
        if (plan.Spec.Compute is { } compute && !await Exists(() => platform.Computes.GetAsync(compute, ct)))
            problems.Add(new(plan.SourceFile, "compute", $"no compute named '{compute}' (mlctl compute show -n {compute})."));
        if (problems.Count > 0) throw new FileValidationException(problems);
        return modelId;
    }

    /// <summary>
    /// A platform that does not know a field ignores it; the deployment it answers shows what it took. Scoring code and
    /// autoscaling change what is served, so a platform that dropped them must not keep the deployment.
    /// </summary>
    private static void CheckHonoured(DeploymentPlan plan, DeploymentSpec spec, Deployment answer)
    {
        var details = answer.Details ?? [];
        var problems = new List<FileProblem>();
        if (spec.EntryScript is not null && !details.ContainsKey("entryScript"))
            problems.Add(new(plan.SourceFile, plan.Code is null ? "entryScript" : "code_configuration", "this platform does not run scoring scripts (its deployments take no entryScript)."));
        if (spec.Scale is not null && !details.ContainsKey("scale"))
            problems.Add(new(plan.SourceFile, "scale_settings", "this platform does not autoscale deployments (its deployments take no scale)."));
        if (problems.Count > 0) throw new FileValidationException(problems);
    }

    private async Task<ModelVersion> Register(string name, IReadOnlyList<string> paths, string framework, CancellationToken ct)
    {
        var model = await context.WithUploadProgressAsync($"Registering {name}", p =>
            platform.Models.RegisterAsync(new RegisterModelRequest(name, paths) { Framework = framework }, p, ct));
        context.Note($"Registered {model.Id}.");
        _undo.Add(() => platform.Models.DeleteAsync(model.Name, model.Version.ToString(), CancellationToken.None));
        return model;
    }

    private async Task UndoAsync()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            try
            {
                await _undo[i]();
            }
            catch (PlatformApiException ex)
            {
                context.Warn($"could not undo a step: {ex.Message}");
            }
        }
        if (_undo.Count > 0) context.Note("Removed what this command had created.");
        _undo.Clear();
    }

    private static async Task<bool> Exists(Func<Task> get)
    {
        try
        {
            await get();
            return true;
        }
        catch (PlatformNotFoundException)
        {
            return false;
        }
    }
}
