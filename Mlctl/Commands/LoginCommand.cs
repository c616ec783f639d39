using System.CommandLine;
using Mlctl.Cli;
using Mlctl.Configuration;

namespace Mlctl.Commands;

/// <summary><c>mlctl login</c>: checks the address and admin key against the platform, then saves them for later runs.</summary>
internal static class LoginCommand
{
    public static Command Create(CommandContext context)
    {
        var url = Options.Optional("--url", null, "The gateway, e.g. http://platform:8080.");
        var key = Options.Optional("--admin-key", null, "The admin key (or --admin-key-file).");
        var keyFile = Options.Optional("--admin-key-file", null, "A file holding the admin key, e.g. .data/admin-key.");
        var show = Options.Flag("--show", "Show where the settings come from, and save nothing.");
        var command = new Command("login", "Save the platform's address and admin key (checked first) for later commands.") { url, key, keyFile, show };
        command.SetAction(async (parse, ct) =>
        {
            var current = MlctlSettings.Resolve(context.Env);
            if (parse.GetValue(show))
            {
                context.Writer(parse).Write(new { url = current.Url, adminKey = current.AdminKey is null ? "(none)" : "(set)", source = current.Source, configFile = MlctlSettings.ConfigPath(context.Env) });
                return ExitCodes.Success;
            }
            var adminKey = parse.GetValue(key)
                ?? (parse.GetValue(keyFile) is { } f ? (await File.ReadAllTextAsync(context.Env.Resolve(f), ct)).Trim() : current.AdminKey)
                ?? throw new MlctlUsageException("Give --admin-key or --admin-key-file.");
            var address = parse.GetValue(url) is { } u
                ? Uri.TryCreate(u, UriKind.Absolute, out var parsed) ? parsed : throw new MlctlUsageException($"--url '{u}' is not an absolute URL.")
                : current.Url;
            var settings = new MlctlSettings(address, adminKey, "login");
            using (var platform = CommandContext.Connect(settings)) await platform.Computes.ListAsync(ct); // proves address and key
            MlctlSettings.Save(context.Env, address, adminKey);
            context.Writer(parse).Message($"Logged in to {address}; saved to {MlctlSettings.ConfigPath(context.Env)}.");
            return ExitCodes.Success;
        });
        return command;
    }
}
