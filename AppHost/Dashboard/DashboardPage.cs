namespace AppHost.Dashboard;

/// <summary>The dashboard's single page, embedded in the assembly so the AppHost runs from its build output alone.</summary>
internal static class DashboardPage
{
    public static readonly string Html = Load();

    private static string Load()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("AppHost.Dashboard.index.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in the AppHost assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
