using System.Net.Http.Headers;

namespace Platform.Client;

/// <summary>
/// A multipart upload of files or folders as the Registry takes them: one <c>file</c> part per file, a folder's files
/// named by their path relative to the folder (<c>/</c>-separated), with progress over all bytes.
/// </summary>
internal static class UploadForm
{
    public static IReadOnlyList<(string FullPath, string UploadName)> Expand(IEnumerable<string> paths)
    {
        var files = new List<(string, string)>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var root = Path.GetFullPath(path);
                foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                    files.Add((file, Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/')));
            }
            else if (File.Exists(path))
            {
                files.Add((Path.GetFullPath(path), Path.GetFileName(path)));
            }
            else
            {
                throw new FileNotFoundException($"'{path}' is neither a file nor a folder.", path);
            }
        }
        if (files.Count == 0) throw new ArgumentException("Nothing to upload: the paths hold no files.", nameof(paths));
        return files;
    }

    public static MultipartFormDataContent Create(
        IEnumerable<(string Name, string Value)> fields,
        IReadOnlyList<(string FullPath, string UploadName)> files,
        IProgress<UploadProgress>? progress)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        var total = files.Sum(f => new FileInfo(f.FullPath).Length);
        long sent = 0;
        progress?.Report(new UploadProgress(0, total, files[0].UploadName));
        foreach (var (fullPath, uploadName) in files)
        {
            var name = uploadName;
            var stream = new ProgressStream(File.OpenRead(fullPath), read =>
            {
                var now = Interlocked.Add(ref sent, read);
                progress?.Report(new UploadProgress(now, total, name));
            });
            var part = new StreamContent(stream, 81920);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "file", uploadName);
        }
        return form;
    }
}
