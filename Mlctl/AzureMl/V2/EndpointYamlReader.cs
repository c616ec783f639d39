using Platform.Client;

namespace Mlctl.AzureMl.V2;

/// <summary>Azure ML v2's <c>endpoint.yml</c> (managed or Kubernetes online endpoint).</summary>
public sealed record EndpointFile(string Name, EndpointSpec Spec, IReadOnlyDictionary<string, int>? Traffic, IReadOnlyDictionary<string, int>? Mirror);

public static class EndpointYamlReader
{
    private static readonly string[] Supported = ["$schema", "name", "auth_mode", "description", "tags", "traffic", "mirror_traffic", "kind", "public_network_access", "properties"];

    private static readonly Dictionary<string, string> Refused = new()
    {
        ["identity"] = "managed identities do not exist on this platform; scoring code reads what it needs from its model and environment.",
        ["compute"] = "an endpoint spans computes here: name the compute on each deployment instead.",
    };

    public static EndpointFile Read(string path, string? nameOverride = null)
    {
        var check = new FileCheck(path);
        var yaml = StructuredFile.LoadYaml(path);
        check.OnlyKnown(yaml, "", Supported, Refused);
        var name = nameOverride ?? check.String(yaml, "name", required: true);
        if (name is not null && !AzureNames.IsEndpointName(name))
            check.Add("name", $"'{name}' must be 3 to 32 characters: letters, digits and '-', starting with a letter and not ending with '-'.");

        var auth = check.String(yaml, "auth_mode")?.ToLowerInvariant();
        var authMode = auth switch
        {
            null or "key" => "key",
            "aml_token" => "token",
            "aad_token" => Refuse(check, "auth_mode", "aad_token needs Microsoft Entra ID, which this platform does not have: use key or aml_token."),
            _ => Refuse(check, "auth_mode", $"must be key or aml_token (got '{auth}')."),
        };
        var kind = check.String(yaml, "kind");
        if (kind is not null && !kind.Equals("online", StringComparison.OrdinalIgnoreCase)) check.Add("kind", "must be online: batch endpoints are not supported.");
        var network = check.String(yaml, "public_network_access");
        if (network is not null && !network.Equals("enabled", StringComparison.OrdinalIgnoreCase))
            check.Add("public_network_access", "only enabled is supported: restrict access in front of the gateway.");
        check.Object(yaml, "properties");

        var traffic = Percentages(check, yaml, "traffic", 100);
        var mirror = Percentages(check, yaml, "mirror_traffic", 50);
        var description = check.String(yaml, "description");
        var tags = check.StringMap(yaml, "tags");
        check.ThrowIfAny();
        return new EndpointFile(name!, new EndpointSpec { AuthMode = authMode, Description = description, Tags = tags }, traffic, mirror);
    }

    private static string? Refuse(FileCheck check, string field, string rule)
    {
        check.Add(field, rule);
        return null;
    }

    internal static Dictionary<string, int>? Percentages(FileCheck check, System.Text.Json.Nodes.JsonObject yaml, string field, int max)
    {
        var obj = check.Object(yaml, field);
        if (obj is null) return null;
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (deployment, _) in obj)
            if (check.Int(obj, deployment, field, 0, max) is { } percent) map[deployment] = percent;
        if (map.Values.Sum() > max) check.Add(field, $"must add up to at most {max} (got {map.Values.Sum()}).");
        return map;
    }
}

public static class AzureNames
{
    /// <summary>Azure ML's rule for online endpoint and deployment names.</summary>
    public static bool IsEndpointName(string name) =>
        name.Length is >= 3 and <= 32 && char.IsAsciiLetter(name[0]) && name[^1] != '-' && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
