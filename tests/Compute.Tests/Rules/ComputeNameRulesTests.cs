using Compute.Service.Domain;

namespace Compute.Tests.Rules;

public sealed class ComputeNameRulesTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("aks-prod-01")]
    [InlineData("A23456789012345678901234")]
    public void Names_of_3_to_24_letters_digits_and_dashes_starting_with_a_letter_are_accepted(string name) =>
        Assert.Empty(ComputeNameRules.Check(name));

    [Theory]
    [InlineData("ab", "3 to 24 characters")]
    [InlineData("a2345678901234567890123456", "3 to 24 characters")]
    [InlineData("1abc", "start with a letter")]
    [InlineData("-abc", "start with a letter")]
    [InlineData("ab_c", "only letters, digits and '-'")]
    [InlineData("ab c", "only letters, digits and '-'")]
    [InlineData("abé", "only letters, digits and '-'")]
    [InlineData("", "is required")]
    public void Each_broken_name_rule_is_named(string name, string rule) =>
        Assert.Contains(ComputeNameRules.Check(name), m => m.Contains(rule, StringComparison.Ordinal));

    [Fact]
    public void A_name_breaking_several_rules_gets_every_rule()
    {
        var errors = ComputeNameRules.Check("1_");
        Assert.Equal(3, errors.Count);
    }
}
