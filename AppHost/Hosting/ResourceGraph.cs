namespace AppHost.Hosting;

/// <summary>Who waits for whom, and an order that starts every resource after the ones it needs.</summary>
internal static class ResourceGraph
{
    /// <summary>
    /// A runnable resource depends on what it waits for and what it references (a database counts as its server):
    /// a service told about another is started after it, so its first calls find it there.
    /// </summary>
    public static IReadOnlyDictionary<Resource, IReadOnlyList<Resource>> Dependencies(IReadOnlyList<Resource> resources)
    {
        var known = resources.ToHashSet();
        var result = new Dictionary<Resource, IReadOnlyList<Resource>>();
        foreach (var resource in resources.Where(r => r.RunsAs == r))
        {
            var direct = resource.WaitsFor.Concat(resource is ProjectResource p ? p.References : []);
            var needs = new List<Resource>();
            foreach (var other in direct)
            {
                if (!known.Contains(other))
                    throw new InvalidOperationException($"'{resource.Name}' refers to '{other.Name}', which is not part of this application.");
                if (other.RunsAs != resource && !needs.Contains(other.RunsAs)) needs.Add(other.RunsAs);
            }
            result[resource] = needs;
        }
        // Waiting for a database is waiting for its server too.
        foreach (var database in resources.Where(r => r.RunsAs != r))
            foreach (var other in database.WaitsFor)
                if (result[database.RunsAs] is List<Resource> serverNeeds && !serverNeeds.Contains(other.RunsAs) && other.RunsAs != database.RunsAs)
                    serverNeeds.Add(other.RunsAs);
        return result;
    }

    /// <summary>Depth-first topological order that keeps declaration order where the graph allows; a cycle is an error naming its path.</summary>
    public static IReadOnlyList<Resource> StartOrder(IReadOnlyList<Resource> resources, IReadOnlyDictionary<Resource, IReadOnlyList<Resource>> dependencies)
    {
        var order = new List<Resource>();
        var done = new HashSet<Resource>();
        var path = new List<Resource>();

        void Visit(Resource resource)
        {
            if (done.Contains(resource)) return;
            var at = path.IndexOf(resource);
            if (at >= 0)
                throw new InvalidOperationException(
                    "The resources wait for each other in a cycle: " + string.Join(" -> ", path.Skip(at).Append(resource).Select(r => r.Name)));
            path.Add(resource);
            foreach (var dependency in dependencies[resource]) Visit(dependency);
            path.RemoveAt(path.Count - 1);
            done.Add(resource);
            order.Add(resource);
        }

        foreach (var resource in resources.Where(dependencies.ContainsKey)) Visit(resource);
        return order;
    }
}
