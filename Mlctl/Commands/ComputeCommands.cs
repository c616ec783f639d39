using System.CommandLine;
using Mlctl.Cli;
using Platform.Client;

namespace Mlctl.Commands;

/// <summary><c>mlctl compute create|attach|show|list|detach|delete</c>.</summary>
internal static class ComputeCommands
{
    public static Command Create(CommandContext context)
    {
        var compute = new Command("compute", "Computes: this machine's nodes (local) or attached Kubernetes clusters.");

        var name = Options.Required("--name", "-n", "Compute name.");
        var size = Options.Optional("--vm-size", null, "A size of the VM catalogue (default Standard_D3_v2).");
        var count = new Option<int?>("--agent-count") { Description = "Number of agents." };
        var purpose = Options.Optional("--purpose", null, "DevTest or FastProd.");
        var create = new Command("create", "Create a local compute.") { name, size, count, purpose };
        create.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            var result = await platform.Computes.CreateOrUpdateAsync(parse.GetValue(name)!, new ComputeSpec("local")
            {
                VmSize = parse.GetValue(size), AgentCount = parse.GetValue(count), Purpose = parse.GetValue(purpose),
            }, ct);
            context.Writer(parse).Write(result, Columns.Compute);
            return ExitCodes.Success;
        });
        compute.Subcommands.Add(create);

        var attachName = Options.Required("--name", "-n", "Compute name.");
        var server = Options.Required("--api-server", null, "The cluster's API server, e.g. https://10.0.0.1:6443.");
        var ns = Options.Optional("--namespace", null, "Namespace (default: default).");
        var tokenFile = Options.Required("--token-file", null, "A file holding a bearer token the API server accepts.");
        var attach = new Command("attach", "Attach a Kubernetes cluster.") { attachName, server, ns, tokenFile };
        attach.SetAction(async (parse, ct) =>
        {
            var tokenPath = context.Env.Resolve(parse.GetValue(tokenFile)!);
            if (!File.Exists(tokenPath)) throw new FileNotFoundException($"--token-file: {tokenPath} does not exist.", tokenPath);
            using var platform = context.Connect();
            var result = await platform.Computes.CreateOrUpdateAsync(parse.GetValue(attachName)!, new ComputeSpec("kubernetes")
            {
                Kubernetes = new KubernetesSpec(parse.GetValue(server)!, parse.GetValue(ns), (await File.ReadAllTextAsync(tokenPath, ct)).Trim()),
            }, ct);
            context.Writer(parse).Write(result, Columns.Compute);
            return ExitCodes.Success;
        });
        compute.Subcommands.Add(attach);

        var showName = Options.Required("--name", "-n", "Compute name.");
        var show = new Command("show", "Show a compute with its nodes and free capacity.") { showName };
        show.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Computes.GetAsync(parse.GetValue(showName)!, ct));
            return ExitCodes.Success;
        });
        compute.Subcommands.Add(show);

        var list = new Command("list", "List computes.");
        list.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            context.Writer(parse).Write(await platform.Computes.ListAsync(ct), Columns.Compute);
            return ExitCodes.Success;
        });
        compute.Subcommands.Add(list);

        var detachName = Options.Required("--name", "-n", "Compute name.");
        var detach = new Command("detach", "Detach a Kubernetes compute.") { detachName };
        detach.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            await platform.Computes.DetachAsync(parse.GetValue(detachName)!, ct);
            context.Writer(parse).Message($"Detached {parse.GetValue(detachName)}.");
            return ExitCodes.Success;
        });
        compute.Subcommands.Add(detach);

        var deleteName = Options.Required("--name", "-n", "Compute name.");
        var yes = Options.Flag("--yes", "Confirm.");
        var delete = new Command("delete", "Delete a compute (refused while in use).") { deleteName, yes };
        delete.SetAction(async (parse, ct) =>
        {
            Options.Confirm(parse.GetValue(yes), $"compute {parse.GetValue(deleteName)}");
            using var platform = context.Connect();
            await platform.Computes.DeleteAsync(parse.GetValue(deleteName)!, ct);
            context.Writer(parse).Message($"Deleted {parse.GetValue(deleteName)}.");
            return ExitCodes.Success;
        });
        compute.Subcommands.Add(delete);
        return compute;
    }
}
