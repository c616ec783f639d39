using Gateway.Service.Auth;
using Gateway.Service.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Unit;

public sealed class AdminKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-admin-key-").FullName;

    private AdminKey Load(string file) => new(
        Options.Create(new GatewayOptions { AdminKeyFile = file }),
        new ConfigurationBuilder().Build(),
        NullLogger<AdminKey>.Instance);

    [Fact]
    public void First_start_creates_a_key_of_32_random_bytes_readable_only_by_the_owner()
    {
        var file = Path.Combine(_directory, "nested", "admin-key");

        var key = Load(file);

        var value = File.ReadAllText(file).Trim();
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(value).Length);
        Assert.True(key.Matches(value));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public void Later_starts_keep_the_existing_key()
    {
        var file = Path.Combine(_directory, "admin-key");
        Load(file);
        var value = File.ReadAllText(file).Trim();

        var again = Load(file);

        Assert.Equal(value, File.ReadAllText(file).Trim());
        Assert.True(again.Matches(value));
        Assert.False(again.Matches(value.AsSpan(0, value.Length - 1)));
    }

    [Fact]
    public void Two_gateways_creating_at_once_agree_on_one_key()
    {
        var file = Path.Combine(_directory, "race", "admin-key");

        var keys = Enumerable.Range(0, 8).AsParallel().Select(_ => Load(file)).ToList();

        var value = File.ReadAllText(file).Trim();
        Assert.All(keys, k => Assert.True(k.Matches(value)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
