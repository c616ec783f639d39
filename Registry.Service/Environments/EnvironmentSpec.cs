using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Registry.Service.Environments;

/// <summary>
/// What an environment asks for, reduced to what the builder does: the pip requirement lines and the Python version
/// (null: the platform's interpreter). A conda <c>environment.yml</c> becomes the same: its <c>pip:</c> section as is,
/// its other packages as pip requirements (conda's <c>name=1.2</c> means pip's <c>name==1.2.*</c>), <c>python=3.x</c>
/// as the interpreter; what pip cannot express (build strings) is refused with the entry named.
/// </summary>
public sealed partial record EnvironmentSpec(string Kind, IReadOnlyList<string> Requirements, string? Python)
{
    public const string Pip = "pip", Conda = "conda";

    /// <summary>Names a spec file may have: requirements.txt (any *.txt) is pip's, *.yml/*.yaml is conda's.</summary>
    public static string? KindOf(string path) =>
        path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) ? Pip
        : path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) ? Conda
        : null;

    /// <summary>Parses the spec file's text; the errors name the entry and the rule it breaks.</summary>
    public static (EnvironmentSpec? Spec, List<string> Errors) Parse(string kind, string text) =>
        kind == Conda ? ParseConda(text) : ParsePip(text);

    private static (EnvironmentSpec?, List<string>) ParsePip(string text)
    {
        var errors = new List<string>();
        var lines = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = StripComment(raw).Trim();
            if (line.Length == 0) continue;
            // Options that would point pip somewhere else than the environment's wheels and the operator's index.
            if (line.StartsWith("--index-url", StringComparison.Ordinal) || line.StartsWith("-i ", StringComparison.Ordinal)
                || line.StartsWith("--extra-index-url", StringComparison.Ordinal) || line.StartsWith("-r ", StringComparison.Ordinal)
                || line.StartsWith("-c ", StringComparison.Ordinal) || line.StartsWith("-e ", StringComparison.Ordinal)
                || line.StartsWith("--requirement", StringComparison.Ordinal) || line.StartsWith("--editable", StringComparison.Ordinal))
            {
                errors.Add($"The line '{line}' is not allowed: packages come from the environment's own wheels and the platform's package index.");
                continue;
            }
            lines.Add(line);
        }
        return errors.Count > 0 ? (null, errors) : (new EnvironmentSpec(Pip, lines, null), errors);
    }

    private static (EnvironmentSpec?, List<string>) ParseConda(string text)
    {
        var errors = new List<string>();
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            return (null, [$"The conda file is not valid YAML: {ex.Message}"]);
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            return (null, ["The conda file must be a YAML mapping with a 'dependencies' list."]);

        var requirements = new List<string>();
        string? python = null;
        if (root.Children.TryGetValue(new YamlScalarNode("dependencies"), out var dependencies))
        {
            if (dependencies is not YamlSequenceNode list) return (null, ["'dependencies' must be a list."]);
            foreach (var item in list)
            {
                switch (item)
                {
                    case YamlScalarNode { Value: { } value }:
                        var entry = value.Trim();
                        var match = CondaName().Match(entry);
                        var name = match.Groups["name"].Value;
                        // "conda-forge::numpy": the channel means nothing to pip.
                        if (name.Contains("::", StringComparison.Ordinal)) name = name[(name.IndexOf("::", StringComparison.Ordinal) + 2)..];
                        var constraint = entry[match.Length..].Trim();
                        if (name.Equals("python", StringComparison.OrdinalIgnoreCase))
                        {
                            var version = constraint.TrimStart('=', ' ');
                            if (!PythonVersion().IsMatch(version)) errors.Add($"'{entry}': give the Python version as python=3.X.");
                            else python = string.Join('.', version.Split('.').Take(2));
                        }
                        else if (name.Equals("pip", StringComparison.OrdinalIgnoreCase)) { /* the venv brings pip */ }
                        else if (ToPip(name, constraint) is { } requirement) requirements.Add(requirement);
                        else errors.Add($"'{entry}': conda build strings and this version form have no pip equivalent.");
                        break;
                    case YamlMappingNode mapping when mapping.Children.Count == 1
                        && mapping.Children.TryGetValue(new YamlScalarNode("pip"), out var pip):
                        if (pip is not YamlSequenceNode pipList) { errors.Add("'pip' must be a list of requirements."); break; }
                        var pipText = string.Join('\n', pipList.OfType<YamlScalarNode>().Select(s => s.Value));
                        var (pipSpec, pipErrors) = ParsePip(pipText);
                        errors.AddRange(pipErrors);
                        if (pipSpec is not null) requirements.AddRange(pipSpec.Requirements);
                        break;
                    default:
                        errors.Add("Each dependency must be a package (e.g. numpy=1.24) or a 'pip:' list.");
                        break;
                }
            }
        }
        return errors.Count > 0 ? (null, errors) : (new EnvironmentSpec(Conda, requirements, python), errors);
    }

    /// <summary>conda's "x", "x=1.2", "x==1.2", "x>=1.2" as a pip requirement; null for build strings ("x=1.2=py_0").</summary>
    private static string? ToPip(string name, string constraint)
    {
        if (constraint.Length == 0) return name;
        if (constraint.StartsWith("==", StringComparison.Ordinal) || constraint.StartsWith(">", StringComparison.Ordinal)
            || constraint.StartsWith("<", StringComparison.Ordinal) || constraint.StartsWith("!=", StringComparison.Ordinal))
            return constraint.Count(c => c == '=') > 2 ? null : name + constraint;
        if (constraint.StartsWith('='))
        {
            var version = constraint[1..];
            if (version.Contains('=') || version.Length == 0) return null;
            return version.EndsWith(".*", StringComparison.Ordinal) ? $"{name}=={version}" : $"{name}=={version}.*";
        }
        return null;
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf(" #", StringComparison.Ordinal);
        if (line.TrimStart().StartsWith('#')) return "";
        return hash >= 0 ? line[..hash] : line;
    }

    /// <summary>
    /// The content hash: the kind-independent requirements, the Python version and every wheel's sha256. Two
    /// environments with the same hash build the same virtual environment, so the build is shared.
    /// </summary>
    public string Hash(string interpreterVersion, IEnumerable<(string Path, string Sha256)> wheels)
    {
        var lines = new List<string> { $"python={Python ?? interpreterVersion}" };
        lines.AddRange(Requirements.Select(r => $"requirement={r}"));
        lines.AddRange(wheels.OrderBy(w => w.Path, StringComparer.Ordinal).Select(w => $"wheel={w.Path} sha256={w.Sha256}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9_.:-]+)")]
    private static partial Regex CondaName();

    [GeneratedRegex(@"^3\.\d+(\.\d+)?(\.\*)?$")]
    private static partial Regex PythonVersion();
}
