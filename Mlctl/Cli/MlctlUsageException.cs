namespace Mlctl.Cli;

/// <summary>The command line itself is wrong (a flag's value, a missing flag): exit code 2.</summary>
public sealed class MlctlUsageException(string message) : Exception(message);
