namespace Gateway.Service.Infrastructure;

/// <summary>An endpoint's two keys, kept only as nonces (to re-derive them with the gateway secret) and SHA-256 hashes.</summary>
public sealed class EndpointCredential
{
    public required string Endpoint { get; set; }
    public required byte[] PrimaryNonce { get; set; }
    public required byte[] PrimaryHash { get; set; }
    public required byte[] SecondaryNonce { get; set; }
    public required byte[] SecondaryHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
