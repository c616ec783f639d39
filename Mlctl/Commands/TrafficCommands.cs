using System.CommandLine;
using System.Globalization;
using Mlctl.Cli;

namespace Mlctl.Commands;

/// <summary><c>mlctl traffic set|show</c>: az ml online-endpoint update --traffic / --mirror-traffic.</summary>
internal static class TrafficCommands
{
    public static Command Create(CommandContext context)
    {
        var traffic = new Command("traffic", "An endpoint's live and mirrored traffic split.");
        var name = Options.Required("--name", "-n", "Endpoint name.");
        var split = Options.Many("--traffic", null, "deployment=percent pairs, e.g. \"blue=90 green=10\".");
        var mirror = Options.Many("--mirror-traffic", null, "deployment=percent pairs of mirrored traffic (≤ 50).");
        var set = new Command("set", "Set the live and/or mirrored traffic split.") { name, split, mirror };
        set.SetAction(async (parse, ct) =>
        {
            var live = Percentages(parse.GetValue(split), "--traffic");
            var shadow = Percentages(parse.GetValue(mirror), "--mirror-traffic");
            if (live.Count == 0 && shadow.Count == 0 && parse.GetValue(split) is null && parse.GetValue(mirror) is null)
                throw new MlctlUsageException("Give --traffic and/or --mirror-traffic.");
            using var platform = context.Connect();
            var endpoint = parse.GetValue(split) is not null ? await platform.Endpoints.SetTrafficAsync(parse.GetValue(name)!, live, ct) : null;
            if (parse.GetValue(mirror) is not null) endpoint = await platform.Endpoints.SetMirrorAsync(parse.GetValue(name)!, shadow, ct);
            context.Writer(parse).Write(endpoint, Columns.Endpoint);
            return ExitCodes.Success;
        });
        traffic.Subcommands.Add(set);

        var showName = Options.Required("--name", "-n", "Endpoint name.");
        var show = new Command("show", "Show the traffic split.") { showName };
        show.SetAction(async (parse, ct) =>
        {
            using var platform = context.Connect();
            var endpoint = await platform.Endpoints.GetAsync(parse.GetValue(showName)!, ct);
            context.Writer(parse).Write(new { endpoint.Name, endpoint.Traffic, endpoint.MirrorTraffic, endpoint.DefaultDeployment });
            return ExitCodes.Success;
        });
        traffic.Subcommands.Add(show);
        return traffic;
    }

    private static Dictionary<string, int> Percentages(string[]? values, string flag) =>
        Options.Pairs(values, flag).ToDictionary(p => p.Key, p => int.TryParse(p.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new MlctlUsageException($"{flag}: '{p.Key}={p.Value}' needs a whole percentage."));
}
