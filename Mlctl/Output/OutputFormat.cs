namespace Mlctl.Output;

public enum OutputFormat
{
    Table,
    Json,
    Yaml,
}
