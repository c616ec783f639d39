using GrpcLite.Protocol;

namespace GrpcLite.Tests.Protocol;

public sealed class GrpcMessageEncodingTests
{
    [Theory]
    [InlineData("plain ascii stays as is", "plain ascii stays as is")]
    [InlineData("100%", "100%25")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("ü", "%C3%BC")]
    [InlineData("tab\t", "tab%09")]
    public void Encoding_escapes_percent_controls_and_non_ascii(string message, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Encode(message));
    }

    [Theory]
    [InlineData("")]
    [InlineData("model 'ünïcode' 100% gone\nnext line")]
    [InlineData("日本語のエラー")]
    [InlineData("%%%")]
    public void Decoding_reverses_encoding(string message)
    {
        Assert.Equal(message, GrpcMessageEncoding.Decode(GrpcMessageEncoding.Encode(message)));
    }

    [Theory]
    [InlineData("50% off", "50% off")]
    [InlineData("bad %ZZ escape", "bad %ZZ escape")]
    [InlineData("trailing %4", "trailing %4")]
    public void Malformed_escapes_are_kept_verbatim(string header, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Decode(header));
    }
}
