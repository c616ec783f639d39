namespace TestSupport;

/// <summary>
/// Finds the platform's service processes through /proc: DCP starts each from <c>dotnet run</c>, and the service
/// itself is the child that carries the environment the app host gave it (<c>DataRoot</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>, its Kestrel endpoints).
/// </summary>
public static class ServiceProcesses
{
    public static IReadOnlyList<PlatformResource> Find(string dataRoot)
    {
        var found = new List<PlatformResource>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            Dictionary<string, string> env;
            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                env = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries)
                    .Select(v => v.Split('=', 2)).Where(kv => kv.Length == 2).GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (argv.Contains("run") && argv.Contains("--project")) continue; // the dotnet run wrapper, not the service
            if (!env.TryGetValue("DataRoot", out var root) || root != dataRoot) continue;
            if (!env.TryGetValue("OTEL_SERVICE_NAME", out var service)) continue;
            var instance = env.GetValueOrDefault("OTEL_RESOURCE_ATTRIBUTES", "").Split(',')
                .Select(a => a.Split('=', 2)).FirstOrDefault(kv => kv.Length == 2 && kv[0] == "service.instance.id")?[1] ?? pid.ToString();
            var name = instance.StartsWith(service + "-", StringComparison.Ordinal) ? instance : $"{service}-{instance}";
            string[] addresses = [env.GetValueOrDefault("Kestrel__Endpoints__http__Url", ""), env.GetValueOrDefault("Kestrel__Endpoints__grpc__Url", "")];
            found.Add(new PlatformResource(name, service, addresses, pid));
        }
        return found.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }
}
