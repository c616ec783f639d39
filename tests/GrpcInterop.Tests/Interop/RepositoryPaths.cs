namespace GrpcInterop.Tests.Interop;

/// <summary>Where the peers' scripts and the .proto files are in this checkout.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string EchoProtos => Path.Combine(Root, "tests", "GrpcInterop.Tests", "Protos");

    public static string StandardProtos => Path.Combine(Root, "tests", "GrpcInterop.Tests", "PeerProtos");

    public static string PythonPeer => Path.Combine(Root, "tests", "GrpcInterop.Tests", "Interop", "Python");

    public static string NodePeer => Path.Combine(Root, "tools", "node");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Aspire.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Could not find the repository root (Aspire.sln) above " + AppContext.BaseDirectory);
    }
}
