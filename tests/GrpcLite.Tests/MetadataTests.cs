namespace GrpcLite.Tests;

public sealed class MetadataTests
{
    [Fact]
    public void Keys_are_lower_cased_and_looked_up_case_insensitively()
    {
        var metadata = new Metadata { { "X-Request-Id", "42" } };
        Assert.Equal("x-request-id", metadata[0].Key);
        Assert.Equal("42", metadata.GetValue("X-REQUEST-ID"));
    }

    [Fact]
    public void Binary_values_need_a_bin_key_and_string_values_must_not_have_one()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data", new byte[] { 1 }));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data-bin", "text"));
        Assert.Equal(new byte[] { 1, 2 }, new Metadata { { "x-data-bin", new byte[] { 1, 2 } } }.GetValueBytes("x-data-bin"));
    }

    [Fact]
    public void Non_ascii_string_values_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-name", "ünïcode"));
    }

    [Fact]
    public void Last_value_wins_for_get_value()
    {
        var metadata = new Metadata { { "k", "1" }, { "k", "2" } };
        Assert.Equal("2", metadata.GetValue("k"));
        Assert.Equal(2, metadata.GetAll("k").Count());
    }
}
