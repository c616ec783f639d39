using System.Security.Cryptography;

namespace Gateway.Service.Auth;

/// <summary>Reads a base64url secret from a file, creating it with fresh random bytes (owner-only) when missing.</summary>
public static class SecretFile
{
    public static string ReadOrCreate(string path, int randomBytes)
    {
        if (File.Exists(path)) return Read(path);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var value = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(randomBytes));
        try
        {
            // CreateNew: if another process (a second gateway, a test) wins the race, we read its value instead.
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var stream = new FileStream(path, fileOptions);
            using var writer = new StreamWriter(stream);
            writer.Write(value);
            writer.Write('\n');
            return value;
        }
        catch (IOException) when (File.Exists(path))
        {
            return Read(path);
        }
    }

    private static string Read(string path)
    {
        var value = File.ReadAllText(path).Trim();
        if (value.Length < 16)
            throw new InvalidOperationException($"The secret in {path} is too short; delete the file to have a new one generated.");
        return value;
    }
}
