using AppHost.Hosting;

namespace AppHost.Tests;

/// <summary>A builder over a throw-away data folder, for tests of the app model (nothing is started).</summary>
internal sealed class TestApp : IDisposable
{
    public TestApp(params string[] args)
    {
        DataRoot = Directory.CreateTempSubdirectory("apphost-model-").FullName;
        Builder = DistributedApplication.CreateBuilder(["--data", DataRoot, .. args]);
    }

    public string DataRoot { get; }

    public DistributedApplicationBuilder Builder { get; }

    public void Dispose() => Directory.Delete(DataRoot, recursive: true);
}
