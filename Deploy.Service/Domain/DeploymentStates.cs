namespace Deploy.Service.Domain;

/// <summary>The life of a deployment: Creating → Transitioning → Healthy | Unhealthy | Failed; Deleting while it is torn down.</summary>
public static class DeploymentStates
{
    public const string Creating = "Creating";
    public const string Transitioning = "Transitioning";
    public const string Healthy = "Healthy";
    public const string Unhealthy = "Unhealthy";
    public const string Failed = "Failed";
    // Not shown by the API: a deleted deployment disappears from it at once, the worker then frees its resources.
    public const string Deleting = "Deleting";
}

public static class AuthModes
{
    public static readonly IReadOnlyList<string> All = ["key", "token", "none"];
    public static bool IsValid(string? mode) => mode is not null && All.Contains(mode);
}
