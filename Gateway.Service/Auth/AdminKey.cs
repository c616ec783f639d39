using Gateway.Service.Configuration;
using ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Gateway.Service.Auth;

/// <summary>
/// The admin key of the control plane (<c>/api/v1</c>), read from <c>Gateway:AdminKeyFile</c> and created there on
/// first start (32 random bytes, base64url) so that the run command can print it. Only its hash stays in memory.
/// </summary>
public sealed class AdminKey
{
    private readonly byte[] _hash;

    public AdminKey(IOptions<GatewayOptions> options, IConfiguration configuration, ILogger<AdminKey> logger)
    {
        Path = options.Value.ResolveAdminKeyFile(configuration["DataRoot"]);
        var existed = File.Exists(Path);
        _hash = KeyHasher.Hash(SecretFile.ReadOrCreate(Path, 32));
        if (!existed) logger.LogInformation("Created the admin key in {File}", Path);
    }

    public string Path { get; }

    public bool Matches(ReadOnlySpan<char> presented) => KeyHasher.Matches(presented, _hash);
}
