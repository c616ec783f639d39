using Deploy.Service.Domain;

namespace Deploy.Tests;

public sealed class TrafficRulesTests
{
    private static TrafficPlan With(params string[] deployments)
    {
        var plan = TrafficPlan.Empty;
        foreach (var d in deployments) plan = Accepted(TrafficRules.UpsertDeployment(plan, d, false, false, null));
        return plan;
    }

    private static TrafficPlan Accepted(TrafficDecision decision)
    {
        Assert.True(decision.Accepted, decision.Refusal?.ToString());
        return decision.Plan!;
    }

    private static TrafficRefusal Refused(TrafficDecision decision, string rule)
    {
        Assert.False(decision.Accepted);
        Assert.Equal(rule, decision.Refusal!.Rule);
        return decision.Refusal;
    }

    private static Dictionary<string, double> Split(params (string Name, double Percent)[] shares) => shares.ToDictionary(s => s.Name, s => s.Percent);

    [Fact]
    public void FirstDeploymentBecomesDefaultAndTakesAllTraffic()
    {
        var plan = With("blue");
        Assert.Equal("blue", plan.DefaultDeployment);
        Assert.Equal(new Dictionary<string, int> { ["blue"] = 100 }, plan.EffectiveTraffic);
    }

    [Fact]
    public void LaterDeploymentsGetNoTrafficUntilAsked()
    {
        var plan = With("blue", "green");
        Assert.Equal("blue", plan.DefaultDeployment);
        Assert.Equal(new Dictionary<string, int> { ["blue"] = 100 }, plan.EffectiveTraffic);
        Assert.False(plan.HasLiveTraffic("green"));
    }

    [Fact]
    public void RemainderGoesToTheDefault()
    {
        var plan = Accepted(TrafficRules.SetTraffic(With("blue", "green"), Split(("green", 10))));
        Assert.Equal(new Dictionary<string, int> { ["blue"] = 90, ["green"] = 10 }, plan.EffectiveTraffic);
    }

    [Fact]
    public void MarkingAnotherDeploymentDefaultMovesTheRemainderToIt()
    {
        var plan = Accepted(TrafficRules.UpsertDeployment(With("blue"), "green", isDefault: true, isControl: false, trafficPercent: null));
        Assert.Equal("green", plan.DefaultDeployment);
        Assert.Equal(new Dictionary<string, int> { ["green"] = 100 }, plan.EffectiveTraffic);
    }

    [Fact]
    public void SeventhDeploymentIsRefusedNamingTheLimit()
    {
        var plan = With("d1", "d2", "d3", "d4", "d5", "d6");
        var refusal = Refused(TrafficRules.UpsertDeployment(plan, "d7", false, false, null), TrafficRules.MaxDeploymentsRule);
        Assert.True(refusal.IsConflict);
        // Updating one of the six is still fine.
        Accepted(TrafficRules.UpsertDeployment(plan, "d6", false, false, 5));
    }

    [Fact]
    public void FractionalPercentageIsRefused()
    {
        Refused(TrafficRules.SetTraffic(With("blue", "green"), Split(("green", 10.5))), TrafficRules.IntegerPercentRule);
        Refused(TrafficRules.UpsertDeployment(With("blue"), "green", false, false, 0.5), TrafficRules.IntegerPercentRule);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void PercentageOutsideZeroToHundredIsRefused(double percent)
    {
        var refusal = Refused(TrafficRules.SetTraffic(With("blue", "green"), Split(("green", percent))), TrafficRules.PercentRangeRule);
        Assert.Equal("green", refusal.Field);
    }

    [Fact]
    public void SumAboveHundredIsRefused()
    {
        var plan = With("blue", "green");
        var refusal = Refused(TrafficRules.SetTraffic(plan, Split(("blue", 60), ("green", 50))), TrafficRules.TrafficSumRule);
        Assert.False(refusal.IsConflict);
        var withGreen = Accepted(TrafficRules.SetTraffic(plan, Split(("blue", 60), ("green", 40))));
        Refused(TrafficRules.UpsertDeployment(With("blue", "green", "red") with { Traffic = withGreen.Traffic }, "red", false, false, 1),
            TrafficRules.TrafficSumRule);
    }

    [Fact]
    public void SumOfExactlyHundredLeavesTheDefaultNothing()
    {
        var plan = Accepted(TrafficRules.SetTraffic(With("blue", "green"), Split(("green", 100))));
        Assert.Equal(new Dictionary<string, int> { ["green"] = 100 }, plan.EffectiveTraffic);
        Assert.False(plan.HasLiveTraffic("blue"));
    }

    [Fact]
    public void TrafficToAnUnknownDeploymentIsRefused()
    {
        var refusal = Refused(TrafficRules.SetTraffic(With("blue"), Split(("purple", 10))), TrafficRules.UnknownDeploymentRule);
        Assert.Equal("purple", refusal.Field);
        Refused(TrafficRules.SetMirror(With("blue"), Split(("purple", 10))), TrafficRules.UnknownDeploymentRule);
    }

    [Fact]
    public void SecondControlDeploymentIsRefused()
    {
        var plan = Accepted(TrafficRules.UpsertDeployment(With("blue"), "green", false, isControl: true, null));
        Assert.Equal("green", plan.ControlDeployment);
        var refusal = Refused(TrafficRules.UpsertDeployment(plan, "red", false, isControl: true, null), TrafficRules.SingleControlRule);
        Assert.True(refusal.IsConflict);
        Assert.Equal("isControl", refusal.Field);

        // Once green stops being the control, red may become it.
        plan = Accepted(TrafficRules.UpsertDeployment(plan, "green", false, isControl: false, null));
        Assert.Null(plan.ControlDeployment);
        Assert.Equal("red", Accepted(TrafficRules.UpsertDeployment(plan, "red", false, isControl: true, null)).ControlDeployment);
    }

    [Fact]
    public void MirrorToADeploymentWithoutLiveTrafficIsAccepted()
    {
        var plan = Accepted(TrafficRules.SetMirror(With("blue", "shadow"), Split(("shadow", 20))));
        Assert.Equal(20, plan.Mirror["shadow"]);
        Assert.Equal(new Dictionary<string, int> { ["blue"] = 100 }, plan.EffectiveTraffic);
    }

    [Fact]
    public void MirrorAboveFiftyPercentIsRefused()
    {
        Refused(TrafficRules.SetMirror(With("blue", "a"), Split(("a", 51))), TrafficRules.MirrorLimitRule);
        var refusal = Refused(TrafficRules.SetMirror(With("blue", "a", "b"), Split(("a", 30), ("b", 30))), TrafficRules.MirrorLimitRule);
        Assert.Equal("mirror", refusal.Field);
    }

    [Fact]
    public void MirrorToADeploymentWithLiveTrafficIsRefused()
    {
        var plan = Accepted(TrafficRules.SetTraffic(With("blue", "green"), Split(("green", 10))));
        var refusal = Refused(TrafficRules.SetMirror(plan, Split(("green", 10))), TrafficRules.MirrorTargetLiveRule);
        Assert.True(refusal.IsConflict);
        // The default takes the remainder, so it has live traffic too.
        Refused(TrafficRules.SetMirror(plan, Split(("blue", 10))), TrafficRules.MirrorTargetLiveRule);
    }

    [Fact]
    public void GivingLiveTrafficToAMirrorTargetIsRefused()
    {
        var plan = Accepted(TrafficRules.SetMirror(With("blue", "shadow"), Split(("shadow", 20))));
        Refused(TrafficRules.SetTraffic(plan, Split(("shadow", 5))), TrafficRules.MirrorTargetLiveRule);
        Refused(TrafficRules.UpsertDeployment(plan, "shadow", false, false, 5), TrafficRules.MirrorTargetLiveRule);
        Refused(TrafficRules.UpsertDeployment(plan, "shadow", isDefault: true, false, null), TrafficRules.MirrorTargetLiveRule);
    }

    [Fact]
    public void DeletingADeploymentReturnsItsShareToTheDefault()
    {
        var plan = Accepted(TrafficRules.SetTraffic(With("blue", "green"), Split(("green", 10))));
        plan = TrafficRules.RemoveDeployment(plan, "green");
        Assert.Equal(["blue"], plan.Deployments);
        Assert.Equal(new Dictionary<string, int> { ["blue"] = 100 }, plan.EffectiveTraffic);
    }

    [Fact]
    public void DeletingTheDefaultPromotesTheOldestDeploymentThatIsNotMirrored()
    {
        var plan = Accepted(TrafficRules.SetMirror(With("blue", "shadow", "green"), Split(("shadow", 10))));
        plan = Accepted(TrafficRules.SetTraffic(plan, Split(("green", 30))));
        plan = TrafficRules.RemoveDeployment(plan, "blue");
        Assert.Equal("green", plan.DefaultDeployment);
        Assert.Equal(new Dictionary<string, int> { ["green"] = 100 }, plan.EffectiveTraffic);
        Assert.Equal(10, plan.Mirror["shadow"]);
    }

    [Fact]
    public void DeletingTheControlClearsIt()
    {
        var plan = Accepted(TrafficRules.UpsertDeployment(With("blue"), "green", false, isControl: true, null));
        Assert.Null(TrafficRules.RemoveDeployment(plan, "green").ControlDeployment);
    }
}
