namespace Mlctl.Cli;

/// <summary>What a script can rely on: 0 is success, every failure has its own code (README "mlctl").</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int Usage = 2;
    public const int InvalidInput = 3;
    public const int NotFound = 4;
    public const int Conflict = 5;
    public const int Unauthorized = 6;
    public const int Unavailable = 7;
    public const int DeploymentFailed = 8;
}
