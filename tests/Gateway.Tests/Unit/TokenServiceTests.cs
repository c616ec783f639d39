using Gateway.Service.Auth;
using Gateway.Service.Configuration;
using Gateway.Tests.Support;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Unit;

public sealed class TokenServiceTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 22, 1, 0, 0, TimeSpan.Zero));
    private readonly TokenService _tokens;

    public TokenServiceTests()
    {
        _tokens = new TokenService(new GatewaySecret("token-test-secret-0123456789abcdef"u8.ToArray()), _clock,
            Options.Create(new GatewayOptions { TokenLifetime = TimeSpan.FromHours(1) }));
    }

    [Fact]
    public async Task A_fresh_token_is_accepted_for_its_endpoint()
    {
        var token = _tokens.Issue("scoring");

        Assert.True(await _tokens.ValidateAsync("scoring", token.AccessToken));
    }

    [Fact]
    public void Expiry_and_refresh_time_follow_the_lifetime()
    {
        var token = _tokens.Issue("scoring");

        Assert.Equal(_clock.Now.AddHours(1), token.ExpiryOn);
        Assert.Equal(_clock.Now.AddMinutes(30), token.RefreshAfter);
    }

    [Fact]
    public async Task A_token_is_refused_once_expired_and_not_a_second_before()
    {
        var token = _tokens.Issue("scoring", TimeSpan.FromSeconds(60));

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(await _tokens.ValidateAsync("scoring", token.AccessToken));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await _tokens.ValidateAsync("scoring", token.AccessToken));
    }

    [Fact]
    public async Task A_token_for_one_endpoint_is_refused_by_another()
    {
        var token = _tokens.Issue("scoring");

        Assert.False(await _tokens.ValidateAsync("other", token.AccessToken));
    }

    [Fact]
    public async Task A_token_signed_with_another_secret_or_tampered_is_refused()
    {
        var foreign = new TokenService(new GatewaySecret("some-other-secret-0123456789abcdef"u8.ToArray()), _clock, Options.Create(new GatewayOptions()));
        var token = _tokens.Issue("scoring").AccessToken;
        var tampered = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");

        Assert.False(await _tokens.ValidateAsync("scoring", foreign.Issue("scoring").AccessToken));
        Assert.False(await _tokens.ValidateAsync("scoring", tampered));
        Assert.False(await _tokens.ValidateAsync("scoring", "not-a-jwt"));
    }
}
