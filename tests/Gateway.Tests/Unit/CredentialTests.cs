using ServiceDefaults.Security;
using Gateway.Service.Auth;

namespace Gateway.Tests.Unit;

public sealed class CredentialTests
{
    private static readonly EndpointKeyDeriver Deriver = new(new GatewaySecret("unit-test-secret-0123456789abcdef"u8.ToArray()));

    [Fact]
    public void Hash_is_sha256_and_matches_only_the_same_credential()
    {
        var stored = KeyHasher.Hash("correct-key");

        Assert.Equal(32, stored.Length);
        Assert.True(KeyHasher.Matches("correct-key", stored));
        Assert.False(KeyHasher.Matches("correct-kez", stored));
        Assert.False(KeyHasher.Matches("correct-key ", stored));
        Assert.False(KeyHasher.Matches("", stored));
    }

    [Fact]
    public void A_stored_hash_of_the_wrong_length_never_matches()
    {
        Assert.False(KeyHasher.Matches(KeyHasher.Hash("k"), KeyHasher.Hash("k").AsSpan(0, 31)));
    }

    [Fact]
    public void Derived_keys_carry_256_bits_and_depend_on_endpoint_slot_and_nonce()
    {
        var nonce = EndpointKeyDeriver.NewNonce();
        var key = Deriver.Derive("e1", KeySlot.Primary, nonce);

        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(key).Length);
        Assert.Equal(key, Deriver.Derive("e1", KeySlot.Primary, nonce));
        Assert.NotEqual(key, Deriver.Derive("e2", KeySlot.Primary, nonce));
        Assert.NotEqual(key, Deriver.Derive("e1", KeySlot.Secondary, nonce));
        Assert.NotEqual(key, Deriver.Derive("e1", KeySlot.Primary, EndpointKeyDeriver.NewNonce()));
    }

    [Fact]
    public void A_different_gateway_secret_derives_different_keys()
    {
        var other = new EndpointKeyDeriver(new GatewaySecret("another-secret-0123456789abcdefgh"u8.ToArray()));
        var nonce = EndpointKeyDeriver.NewNonce();

        Assert.NotEqual(Deriver.Derive("e1", KeySlot.Primary, nonce), other.Derive("e1", KeySlot.Primary, nonce));
    }

    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer   abc  ", "abc")]
    [InlineData("Basic abc", "")]
    [InlineData("Bearer", "")]
    [InlineData(null, "")]
    public void Bearer_credential_is_read_from_the_header(string? header, string expected)
    {
        Assert.Equal(expected, BearerCredential.From(header).ToString());
    }
}
