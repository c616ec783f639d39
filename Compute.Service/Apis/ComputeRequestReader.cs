using System.Text.Json;
using Compute.Service.Application;
using Compute.Service.Catalogue;
using Compute.Service.Domain;

namespace Compute.Service.Apis;

/// <summary>
/// Reads a PUT /computes/{name} body by hand rather than by model binding, so that a value of the wrong JSON type is
/// reported against its field ("agentCount: must be an integer") instead of as an anonymous unreadable body.
/// </summary>
public static class ComputeRequestReader
{
    public const int MaxTokenLength = 16_384;
    private static readonly HashSet<string> KnownFields = ["type", "purpose", "vmSize", "agentCount", "kubernetes"];
    private static readonly HashSet<string> KnownKubernetesFields = ["apiServer", "namespace", "token"];

    public static ComputeSpec Read(string name, JsonElement body, VmSizeCatalogue catalogue)
    {
        var errors = new FieldErrors();
        errors.AddRange("name", ComputeNameRules.Check(name));
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "must be a JSON object.");
            errors.ThrowIfAny();
        }
        foreach (var property in body.EnumerateObject().Where(p => !KnownFields.Contains(p.Name)))
            errors.Add(property.Name, $"is not a field of a compute (known: {string.Join(", ", KnownFields)}).");

        var type = ReadChoice(body, "type", [ComputeTypes.Local, ComputeTypes.Kubernetes], required: true, errors);
        var purpose = ReadChoice(body, "purpose", [Purposes.DevTest, Purposes.FastProd], required: false, errors) ?? Purposes.FastProd;

        var vmSizeName = ReadString(body, "vmSize", errors) ?? VmSizeCatalogue.DefaultSize;
        var vmSize = catalogue.Find(vmSizeName);
        if (vmSize is null && !errors.Has("vmSize"))
            errors.Add("vmSize", $"'{vmSizeName}' is not in the VM size catalogue; known sizes: {string.Join(", ", catalogue.All.Select(s => s.Name))}.");

        var agentCount = ReadAgentCount(body, errors) ?? PurposeRules.DefaultAgentCount(purpose);
        if (vmSize is not null && !errors.Has("agentCount") && !errors.Has("purpose") && PurposeRules.Check(purpose, vmSize, agentCount) is { } purposeError)
            errors.Add("purpose", purposeError);

        var kubernetes = ReadKubernetes(body, type, errors);
        errors.ThrowIfAny();
        return new ComputeSpec(type!, purpose, vmSize!.Name, agentCount, kubernetes);
    }

    private static string? ReadString(JsonElement body, string field, FieldErrors errors, string? path = null)
    {
        path ??= field;
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(path, $"must be a string, not {value.ValueKind.ToString().ToLowerInvariant()}.");
            return null;
        }
        var text = value.GetString()!;
        if (text.Trim().Length == 0)
        {
            errors.Add(path, "must not be empty.");
            return null;
        }
        return text;
    }

    private static string? ReadChoice(JsonElement body, string field, string[] choices, bool required, FieldErrors errors)
    {
        var text = ReadString(body, field, errors);
        if (text is null)
        {
            if (required && !errors.Has(field)) errors.Add(field, $"is required: one of {string.Join(", ", choices)}.");
            return null;
        }
        var match = choices.FirstOrDefault(c => c.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (match is null) errors.Add(field, $"must be one of {string.Join(", ", choices)} (got '{text}').");
        return match;
    }

    private static int? ReadAgentCount(JsonElement body, FieldErrors errors)
    {
        if (!body.TryGetProperty("agentCount", out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var count))
        {
            errors.Add("agentCount", "must be a whole number between 1 and 100.");
            return null;
        }
        if (count is < 1 or > 100)
        {
            errors.Add("agentCount", $"must be between 1 and 100 (got {count}).");
            return null;
        }
        return count;
    }

    private static KubernetesSpec? ReadKubernetes(JsonElement body, string? type, FieldErrors errors)
    {
        var present = body.TryGetProperty("kubernetes", out var k8s) && k8s.ValueKind != JsonValueKind.Null;
        if (type == ComputeTypes.Local)
        {
            if (present) errors.Add("kubernetes", "is only for type kubernetes.");
            return null;
        }
        if (type != ComputeTypes.Kubernetes) return null;
        if (!present)
        {
            errors.Add("kubernetes", "is required for type kubernetes: { apiServer, namespace, token }.");
            return null;
        }
        if (k8s.ValueKind != JsonValueKind.Object)
        {
            errors.Add("kubernetes", "must be an object { apiServer, namespace, token }.");
            return null;
        }
        foreach (var property in k8s.EnumerateObject().Where(p => !KnownKubernetesFields.Contains(p.Name)))
            errors.Add($"kubernetes.{property.Name}", $"is not a field of kubernetes (known: {string.Join(", ", KnownKubernetesFields)}).");

        Uri? apiServer = null;
        var apiServerText = ReadString(k8s, "apiServer", errors, "kubernetes.apiServer");
        if (apiServerText is null)
        {
            if (!errors.Has("kubernetes.apiServer")) errors.Add("kubernetes.apiServer", "is required, e.g. https://10.0.0.1:6443.");
        }
        else if (!Uri.TryCreate(apiServerText, UriKind.Absolute, out apiServer) || apiServer.Scheme is not ("http" or "https") || apiServer.Query.Length > 0)
        {
            errors.Add("kubernetes.apiServer", "must be an absolute http:// or https:// URL without a query.");
        }

        var ns = ReadString(k8s, "namespace", errors, "kubernetes.namespace") ?? (errors.Has("kubernetes.namespace") ? null : "default");
        if (ns is not null && !IsDnsLabel(ns))
            errors.Add("kubernetes.namespace", "must be a DNS label: 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit.");

        var token = ReadString(k8s, "token", errors, "kubernetes.token");
        if (token is null)
        {
            if (!errors.Has("kubernetes.token")) errors.Add("kubernetes.token", "is required: a bearer token the API server accepts.");
        }
        else if (token.Length > MaxTokenLength)
        {
            errors.Add("kubernetes.token", $"must be at most {MaxTokenLength} characters.");
        }
        else if (token.Any(c => c <= ' ' || c > '~'))
        {
            errors.Add("kubernetes.token", "must be printable ASCII without spaces.");
        }
        return apiServer is null || ns is null || token is null ? null : new KubernetesSpec(apiServer, ns, token);
    }

    private static bool IsDnsLabel(string s) =>
        s.Length is >= 1 and <= 63 &&
        s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') &&
        s[0] != '-' && s[^1] != '-';
}
