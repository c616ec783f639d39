using GrpcLite.Protocol;

namespace GrpcLite.Tests.Protocol;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("1500u", 15_000L)]
    [InlineData("1000n", 10L)]
    [InlineData("1n", 1L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void Every_unit_parses_to_its_duration(string header, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("-5S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]
    public void Malformed_values_are_rejected(string header)
    {
        Assert.False(GrpcTimeout.TryParse(header, out _));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(250)]
    [InlineData(100_000)]
    [InlineData(30_000_000)]
    [InlineData(9_000_000_000)]
    public void Formatted_timeouts_fit_eight_digits_and_parse_back_without_growing(double milliseconds)
    {
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        var header = GrpcTimeout.Format(timeout);
        Assert.True(header.Length <= 9);
        Assert.True(GrpcTimeout.TryParse(header, out var parsed));
        Assert.True(parsed <= timeout);
        Assert.True(parsed > timeout * 0.98, $"{header} lost too much precision for {timeout}");
    }
}
