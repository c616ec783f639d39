using System.Security.Cryptography;

namespace ServiceDefaults.Security;

/// <summary>Reads a base64url secret from a file, creating it with fresh random bytes (owner-only) when missing.</summary>
public static class SecretFile
{
    public static string ReadOrCreate(string path, int randomBytes)
    {
        if (File.Exists(path)) return Read(path);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var value = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(randomBytes));
        // Written in full to a private temporary file, then moved into place without overwriting: a reader never
        // sees a half-written secret, and when two processes race the first one wins and the other reads its value.
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temporary, fileOptions))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(value);
                writer.Write('\n');
            }
            File.Move(temporary, path, overwrite: false);
            return value;
        }
        catch (IOException) when (File.Exists(path))
        {
            return Read(path);
        }
        finally
        {
            File.Delete(temporary);
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
