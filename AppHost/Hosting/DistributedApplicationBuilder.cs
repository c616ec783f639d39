namespace AppHost.Hosting;

/// <summary>Aspire's IResourceBuilder: the resource being configured and the application it belongs to.</summary>
public interface IResourceBuilder<out T> where T : Resource
{
    T Resource { get; }

    DistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed record ResourceBuilder<T>(T Resource, DistributedApplicationBuilder ApplicationBuilder) : IResourceBuilder<T> where T : Resource;

/// <summary>Collects the application's resources, as Aspire's builder does, and turns them into a runnable model.</summary>
public sealed class DistributedApplicationBuilder(AppHostOptions options)
{
    private readonly List<Resource> _resources = [];

    public AppHostOptions Options { get; } = options;

    public IReadOnlyList<Resource> Resources => _resources;

    /// <summary>A path under the data folder (<c>.data</c>).</summary>
    public string DataPath(params string[] parts) => Path.Combine([Options.DataRoot, .. parts]);

    public IResourceBuilder<T> AddResource<T>(T resource) where T : Resource
    {
        if (!ResourceNames.IsValid(resource.Name))
            throw new ArgumentException($"Resource name '{resource.Name}' must be lower-case letters, digits and '-', starting with a letter.");
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    /// <summary>Chooses ports, loads secrets and computes every instance's environment: the plan, without starting anything.</summary>
    public ApplicationModel BuildModel() => ApplicationModel.Create(_resources, Options);

    public DistributedApplication Build() => new(BuildModel(), Options);
}

internal static class ResourceNames
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 63 && char.IsAsciiLetterLower(name[0]) &&
        name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || c == '_');
}
