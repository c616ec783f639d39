using System.CommandLine;
using System.Text.Json.Nodes;
using Mlctl.AzureMl.V2;
using Mlctl.Cli;
using Platform.Client;

namespace Mlctl.Commands;

/// <summary><c>mlctl endpoint create|update|show|list|delete|invoke|get-keys|regen-key|get-token</c> (az ml online-endpoint).</summary>
internal static class EndpointCommands
{
    public static Command Create(CommandContext context)
    {
        var endpoint = new Command("endpoint", "Online endpoints: create from endpoint.yml, show, invoke, keys and tokens.");
        endpoint.Subcommands.Add(CreateOrUpdate(context, "create"));
        endpoint.Subcommands.Add(CreateOrUpdate(context, "update"));
        endpoint.Subcommands.Add(Show(context));
        endpoint.Subcommands.Add(List(context));
        endpoint.Subcommands.Add(Delete(context));
        endpoint.Subcommands.Add(Invoke(context));
        endpoint.Subcommands.Add(GetKeys(context));
        endpoint.Subcommands.Add(RegenKey(context));
        endpoint.Subcommands.Add(GetToken(context));
        return endpoint;
    }

    private static Option<string?> Name(bool required)
    {
        var option = Options.Optional("--name", "-n", "Endpoint name.");
        option.Required = required;
        return option;
    }

    private static Command CreateOrUpdate(CommandContext context, string verb)
    {
        var file = Options.Optional("--file", "-f", "endpoint.yml (Azure ML v2).");
        var name = Name(false);
        var auth = Options.Optional("--auth-mode", null, "key (default), aml_token or none, without a file.");
        var command = new Command(verb, $"{(verb == "create" ? "Create" : "Update")} an endpoint from endpoint.yml or flags.") { file, name, auth };
        command.SetAction(async (parse, ct) =>
        {
            EndpointFile definition;
            if (parse.GetValue(file) is { } path)
            {
                definition = EndpointYamlReader.Read(context.Env.Resolve(path), parse.GetValue(name));
            }
            else
            {
                var n = parse.GetValue(name) ?? throw new MlctlUsageException("Give --file endpoint.yml, or --name.");
                var mode = parse.GetValue(auth)?.ToLowerInvariant() switch
                {
                    null or "key" => "key",
                    "aml_token" or "token" => "token",
                    "none" => "none",
                    var other => throw new MlctlUsageException($"--auth-mode must be key, aml_token or none (got '{other}')."),
                };
                definition = new EndpointFile(n, new EndpointSpec { AuthMode = mode }, null, null);
            }
            using var platform = context.Connect();
            var exists = true;
            try { await platform.Endpoints.GetAsync(definition.Name, ct); }
            catch (PlatformNotFoundException) { exists = false; }
            if (verb == "create" && exists)
                throw new PlatformConflictException(new PlatformProblem(409, "Endpoint exists", $"An endpoint named '{definition.Name}' exists; use 'mlctl endpoint update'.", null, new Dictionary<string, string[]>(), ""), "endpoint create");
            if (verb == "update" && !exists)
                throw new PlatformNotFoundException(new PlatformProblem(404, "Not found", $"No endpoint named '{definition.Name}'; use 'mlctl endpoint create'.", null, new Dictionary<string, string[]>(), ""), "endpoint update");
            var result = await platform.Endpoints.CreateOrUpdateAsync(definition.Name, definition.Spec, ct);
            // Traffic names deployments, which do not exist yet on a new endpoint: set it when they do (az ml does the same).
            if (definition.Traffic is { Count: > 0 } traffic && exists) result = await platform.Endpoints.SetTrafficAsync(definition.Name, traffic, ct);
            if (definition.Mirror is { Count: > 0 } mirror && exists) result = await platform.Endpoints.SetMirrorAsync(definition.Name, mirror, ct);
            if (!exists && (definition.Traffic is { Count: > 0 } || definition.Mirror is { Count: > 0 }))
                context.Warn("traffic/mirror_traffic name deployments that do not exist yet: set them with 'mlctl traffic set' once deployed.");
            context.Writer(parse).Write(result, Columns.Endpoint);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CommandContext context)
    {
        var name = Name(true);
        var command = new Command("show", "Show an endpoint.") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Endpoints.GetAsync(parse.GetValue(name)!, ct));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommandContext context)
    {
        var command = new Command("list", "List endpoints.");
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Endpoints.ListAsync(ct), Columns.Endpoint);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CommandContext context)
    {
        var name = Name(true);
        var yes = Options.Flag("--yes", "Confirm.");
        var command = new Command("delete", "Delete an endpoint with its deployments.") { name, yes };
        command.SetAction(async (parse, ct) =>
        {
            Options.Confirm(parse.GetValue(yes), $"endpoint {parse.GetValue(name)} and its deployments");
            using var platform = context.Connect();
            await platform.Endpoints.DeleteAsync(parse.GetValue(name)!, ct);
            context.Writer(parse).Message($"Deleted endpoint {parse.GetValue(name)}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Invoke(CommandContext context)
    {
        var name = Name(true);
        var request = Options.Required("--request-file", "-r", "A JSON request body, e.g. {\"data\": [[…]]}.");
        var deployment = Options.Optional("--deployment-name", "-d", "Send to this deployment (azureml-model-deployment).");
        var command = new Command("invoke", "Score a request file on an endpoint, with its key or token.") { name, request, deployment };
        command.SetAction(async (parse, ct) =>
        {
            var path = context.Env.Resolve(parse.GetValue(request)!);
            if (!File.Exists(path)) throw new FileNotFoundException($"--request-file: {path} does not exist.", path);
            var body = await File.ReadAllTextAsync(path, ct);
            using var platform = context.Connect();
            var endpointName = parse.GetValue(name)!;
            var endpoint = await platform.Endpoints.GetAsync(endpointName, ct);
            var credential = endpoint.AuthMode switch
            {
                "key" => (await platform.Endpoints.GetKeysAsync(endpointName, ct)).PrimaryKey,
                "token" => (await platform.Endpoints.GetTokenAsync(endpointName, ct)).AccessToken,
                _ => null,
            };
            var answer = await platform.Scoring.ScoreJsonAsync(endpointName, body, credential, parse.GetValue(deployment), ct);
            if (answer.AnsweredBy is not null) context.Note($"answered by deployment {answer.AnsweredBy}");
            // The answer is the model's JSON as it came (az ml prints it the same way), whatever --output says.
            context.Env.Output.WriteLine(answer.Body?.ToJsonString() ?? answer.RawBody);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command GetKeys(CommandContext context)
    {
        var name = Name(true);
        var command = new Command("get-keys", "Show an endpoint's primary and secondary keys.") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Endpoints.GetKeysAsync(parse.GetValue(name)!, ct));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command RegenKey(CommandContext context)
    {
        var name = Name(true);
        var type = Options.Optional("--key-type", null, "primary (default) or secondary.");
        var command = new Command("regen-key", "Regenerate a key; the other keeps working.") { name, type };
        command.SetAction(async (parse, ct) =>
        {
            var keyType = parse.GetValue(type)?.ToLowerInvariant() ?? "primary";
            if (keyType is not ("primary" or "secondary")) throw new MlctlUsageException($"--key-type must be primary or secondary (got '{keyType}').");
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Endpoints.RegenerateKeyAsync(parse.GetValue(name)!, keyType, ct));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command GetToken(CommandContext context)
    {
        var name = Name(true);
        var command = new Command("get-token", "Get a bearer token for an endpoint with aml_token auth.") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Endpoints.GetTokenAsync(parse.GetValue(name)!, ct));
            return ExitCodes.Success;
        });
        return command;
    }
}
