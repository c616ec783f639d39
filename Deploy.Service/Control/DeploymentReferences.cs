using System.Globalization;
using Contracts.Clients;
using Contracts.Compute.V1;
using Contracts.Registry.V1;
using Deploy.Service.Domain;
using Grpc.Core;

namespace Deploy.Service.Control;

/// <summary>
/// Checks, before a deployment is accepted, that the model version it names is registered and the compute it names
/// exists, so a typo is a 400 naming the field at once rather than a 201 that turns Failed later. When Registry or
/// Compute cannot be asked right now the deployment is accepted and its rollout decides (and retries), as before.
/// </summary>
public sealed class DeploymentReferences(IServiceProvider services, ILogger<DeploymentReferences> logger)
{
    public async Task<CommandFailure?> CheckAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        ModelVersion? resolved = null;
        if (ModelReference.TryParse(spec.Model, out var model) &&
            await IsMissingAsync<RegistryClient>("registry", async c => resolved = await c.ResolveModelAsync(model.Name, model.Version, cancellationToken)))
            return CommandFailure.Invalid("model-registered", "model", $"No model version '{spec.Model}' is registered.");
        // A session holds at least the model's weights: less memory than its files can never serve.
        var modelBytes = resolved?.Files.Sum(f => f.Size) ?? 0;
        var memoryBytes = spec.MemoryGb * (1L << 30);
        if (modelBytes > memoryBytes)
            return CommandFailure.Invalid("memory-holds-model", "memoryGb",
                $"memoryGb {spec.MemoryGb.ToString(CultureInfo.InvariantCulture)} ({(long)memoryBytes} bytes) is less than the {modelBytes} bytes of model '{spec.Model}'.");
        if (spec.Script is { } script)
        {
            if (ModelReference.TryParse(script.Environment, out var environment) &&
                await IsMissingAsync<RegistryClient>("registry", c => c.ResolveEnvironmentAsync(environment.Name, environment.Version, cancellationToken)))
                return CommandFailure.Invalid("environment-registered", "environment", $"No environment version '{script.Environment}' is registered.");
            if (ModelReference.TryParse(script.CodeModel, out var code) &&
                await IsMissingAsync<RegistryClient>("registry", c => c.ResolveModelAsync(code.Name, code.Version, cancellationToken)))
                return CommandFailure.Invalid("code-registered", "codeModel", $"No code folder '{script.CodeModel}' is registered (register it as a model with framework custom).");
        }
        ComputeTarget? target = null;
        if (await IsMissingAsync<ComputeClient>("compute", async c => target = await c.GetComputeAsync(spec.Compute, cancellationToken)))
            return CommandFailure.Invalid("compute-exists", "compute", $"No compute named '{spec.Compute}' exists.");
        // GPUs asked for where the compute has none at all: refused now with the reason, unless CPU is acceptable.
        if (spec.Gpus > 0 && !spec.AllowCpuFallback && target is { Type: "local", Capacity.Gpus: 0 })
            return CommandFailure.Invalid("gpus-available", "gpus",
                $"No node of compute '{spec.Compute}' has a GPU (none reports one with a usable CUDA provider); " +
                "set allowCpuFallback to serve on CPU instead.");
        return null;
    }

    private async Task<bool> IsMissingAsync<TClient>(string service, Func<TClient, Task> lookUp) where TClient : notnull
    {
        try
        {
            await lookUp(services.GetRequiredService<TClient>());
            return false;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return true;
        }
        catch (Exception e) when (e is RpcException or HttpRequestException or InvalidOperationException)
        {
            logger.LogInformation("Could not ask {Service} whether a deployment's reference exists ({Error}); its rollout will", service, e.Message);
            return false;
        }
    }
}
