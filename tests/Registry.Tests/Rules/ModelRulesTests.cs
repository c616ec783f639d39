using Registry.Service.Models;

namespace Registry.Tests.Rules;

public sealed class ModelRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("resnet50")]
    [InlineData("7-up")]
    [InlineData("Model_v2.final-1")]
    public void Names_of_allowed_characters_starting_with_a_letter_or_digit_are_accepted(string name) =>
        Assert.Null(ModelRules.CheckName(name));

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("-model", "start with a letter or a digit")]
    [InlineData(".hidden", "start with a letter or a digit")]
    [InlineData("my model", "only letters")]
    [InlineData("model/1", "only letters")]
    [InlineData("modèle", "only letters")]
    public void Names_breaking_a_rule_are_refused_with_that_rule(string? name, string rule) =>
        Assert.Contains(rule, ModelRules.CheckName(name));

    [Fact]
    public void A_name_of_255_characters_is_accepted_and_of_256_refused()
    {
        Assert.Null(ModelRules.CheckName(new string('a', 255)));
        Assert.Contains("at most 255", ModelRules.CheckName(new string('a', 256)));
    }

    [Theory]
    [InlineData("model.onnx", "model.onnx")]
    [InlineData("weights/part1.bin", "weights/part1.bin")]
    [InlineData("weights\\part1.bin", "weights/part1.bin")]
    public void File_paths_are_normalized_to_forward_slashes(string raw, string expected) =>
        Assert.Equal(expected, ModelRules.NormalizePath(raw).Path);

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../outside.bin")]
    [InlineData("a/../../b")]
    [InlineData("a//b")]
    [InlineData("./a")]
    [InlineData("C:/x")]
    [InlineData("a\u0001b")]
    public void File_paths_that_could_escape_or_are_malformed_are_refused(string raw)
    {
        var (path, error) = ModelRules.NormalizePath(raw);
        Assert.Null(path);
        Assert.NotNull(error);
    }

    [Fact]
    public void Tag_rules_limit_count_key_and_value_length()
    {
        Assert.Empty(ModelRules.CheckTags(new Dictionary<string, string> { ["stage"] = "prod" }));
        Assert.NotEmpty(ModelRules.CheckTags(new Dictionary<string, string> { [""] = "x" }));
        Assert.NotEmpty(ModelRules.CheckTags(new Dictionary<string, string> { [new string('k', 129)] = "x" }));
        Assert.NotEmpty(ModelRules.CheckTags(new Dictionary<string, string> { ["k"] = new string('v', 257) }));
        Assert.NotEmpty(ModelRules.CheckTags(Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => "v")));
    }

    [Theory]
    [InlineData("onnx")]
    [InlineData("ONNX")]
    [InlineData("custom")]
    public void Known_frameworks_are_accepted_in_any_case(string framework) => Assert.Null(ModelRules.CheckFramework(framework));

    [Fact]
    public void Unknown_frameworks_are_refused_listing_the_known_ones() =>
        Assert.Contains("onnx", ModelRules.CheckFramework("caffe"));

    [Theory]
    [InlineData("stage:prod", "stage", "prod")]
    [InlineData("url:http://x:1", "url", "http://x:1")]
    [InlineData("stage:", "stage", "")]
    [InlineData("stage", "stage", null)]
    public void Tag_filters_split_at_the_first_colon(string text, string key, string? value)
    {
        Assert.True(TagFilter.TryParse(text, out var filter, out _));
        Assert.Equal(new TagFilter(key, value), filter);
    }

    [Theory]
    [InlineData("")]
    [InlineData(":prod")]
    public void Tag_filters_without_a_key_are_refused(string text)
    {
        Assert.False(TagFilter.TryParse(text, out _, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("42", 42)]
    [InlineData("latest", null)]
    [InlineData("LATEST", null)]
    public void Versions_are_positive_numbers_or_latest(string text, int? number)
    {
        Assert.True(VersionSelector.TryParse(text, out var selector));
        Assert.Equal(number, selector.Number);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("v1")]
    [InlineData(" 1")]
    [InlineData("99999999999")]
    public void Other_version_texts_are_refused(string text) => Assert.False(VersionSelector.TryParse(text, out _));

    [Fact]
    public void An_empty_version_means_latest_only_where_allowed()
    {
        Assert.False(VersionSelector.TryParse("", out _));
        Assert.True(VersionSelector.TryParse("", out var selector, emptyIsLatest: true));
        Assert.True(selector.IsLatest);
    }
}
