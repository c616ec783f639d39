namespace Mlctl.AzureMl;

/// <summary>One broken rule of a file: which file, which field (its path in the file), and the rule.</summary>
public sealed record FileProblem(string File, string Field, string Rule)
{
    public override string ToString() => $"{File}: {Field}: {Rule}";
}

/// <summary>A file (or the files together) cannot be used as written; nothing was created.</summary>
public sealed class FileValidationException(IReadOnlyList<FileProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems) + Environment.NewLine + "Nothing was created.")
{
    public IReadOnlyList<FileProblem> Problems { get; } = problems;

    public FileValidationException(string file, string field, string rule) : this([new FileProblem(file, field, rule)])
    {
    }
}
