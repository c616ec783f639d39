using Deploy.Service.Domain;

namespace Deploy.Tests;

/// <summary>The autoscaler's rule on its own: up at once, down only after the delay, within min..max, no flapping.</summary>
public sealed class AutoscalingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static ScaleSettings Settings(int min = 1, int max = 4, double target = 8, double delay = 60) => new(min, max, target, delay);

    [Fact]
    public void LoadAboveTheTargetScalesUpAtOnceToWhatTheLoadNeeds()
    {
        var window = new ScaleWindow();
        var decision = Autoscaling.Decide(Settings(), current: 1, load: 20, T0, window);
        Assert.NotNull(decision);
        Assert.Equal((1, 3), (decision.From, decision.To));
        Assert.Contains("20 request(s) in flight over 1 instance(s)", decision.Reason);
    }

    [Fact]
    public void LoadWithinTheToleranceOfTheTargetDoesNotScaleUp()
    {
        // 8.5 in flight on one instance sized for 8: within 10 %.
        Assert.Null(Autoscaling.Decide(Settings(), 1, 8.5, T0, new ScaleWindow()));
        Assert.Equal(2, Autoscaling.Decide(Settings(), 1, 9, T0, new ScaleWindow())!.To);
    }

    [Fact]
    public void TheWantedCountIsClampedToMinAndMax()
    {
        Assert.Equal(4, Autoscaling.Decide(Settings(max: 4), 2, 1000, T0, new ScaleWindow())!.To);
        Assert.Equal(2, Autoscaling.Wanted(Settings(min: 2), 0));
        // Settings narrowed below the current count: back within at once, whatever the delay.
        var clamp = Autoscaling.Decide(Settings(min: 1, max: 3, delay: 600), 5, 1000, T0, new ScaleWindow());
        Assert.Equal((5, 3), (clamp!.From, clamp.To));
        var raise = Autoscaling.Decide(Settings(min: 2, max: 3, delay: 600), 1, 0, T0, new ScaleWindow());
        Assert.Equal(2, raise!.To);
    }

    [Fact]
    public void LowLoadScalesDownOnlyAfterTheDelayOfLowLoad()
    {
        var window = new ScaleWindow();
        var s = Settings(delay: 60);
        Assert.Equal(4, Autoscaling.Decide(s, 1, 40, T0, window)!.To);
        // The load is gone, but the high rounds are within the delay: no scale down yet.
        for (var t = 5; t < 60; t += 5) Assert.Null(Autoscaling.Decide(s, 4, 0, T0.AddSeconds(t), window));
        var down = Autoscaling.Decide(s, 4, 0, T0.AddSeconds(61), window);
        Assert.NotNull(down);
        Assert.Equal((4, 1), (down.From, down.To));
        Assert.Contains("over the last 60 s", down.Reason);
    }

    [Fact]
    public void ScalingDownGoesToTheHighestCountTheDelayWanted()
    {
        var window = new ScaleWindow();
        var s = Settings(delay: 30);
        Assert.Equal(4, Autoscaling.Decide(s, 1, 32, T0, window)!.To);
        Assert.Null(Autoscaling.Decide(s, 4, 12, T0.AddSeconds(20), window));   // wants 2
        Assert.Null(Autoscaling.Decide(s, 4, 0, T0.AddSeconds(25), window));
        // At 40 s the 32-request round has left the window, the 12-request one has not: down to 2, not 1.
        Assert.Equal(2, Autoscaling.Decide(s, 4, 0, T0.AddSeconds(40), window)!.To);
    }

    [Fact]
    public void AFreshWindowWaitsTheWholeDelayBeforeScalingDown()
    {
        // After a restart of the deploy service nothing is known of the last minutes: it watches a full delay first.
        var window = new ScaleWindow();
        var s = Settings(delay: 60);
        Assert.Null(Autoscaling.Decide(s, 3, 0, T0, window));
        Assert.Null(Autoscaling.Decide(s, 3, 0, T0.AddSeconds(59), window));
        Assert.Equal(1, Autoscaling.Decide(s, 3, 0, T0.AddSeconds(60), window)!.To);
    }

    [Fact]
    public void LoadHoveringAtTheBoundaryDoesNotFlap()
    {
        // Every 5 s the load swings between just over and just under one instance's target for ten minutes: one
        // scale up, then it holds; it only comes down once the load has stayed low for the whole delay.
        var window = new ScaleWindow();
        var s = Settings(delay: 60);
        var current = 1;
        var changes = new List<ScaleDecision>();
        for (var t = 0; t < 600; t += 5)
        {
            var load = t / 5 % 2 == 0 ? 10 : 6;
            if (Autoscaling.Decide(s, current, load, T0.AddSeconds(t), window) is { } decision)
            {
                changes.Add(decision);
                current = decision.To;
            }
        }
        Assert.Equal((1, 2), (Assert.Single(changes).From, changes[0].To));
        // The last round that wanted 2 was at 590 s: it leaves the window just after 650 s.
        for (var t = 600; t <= 650; t += 5) Assert.Null(Autoscaling.Decide(s, current, 6, T0.AddSeconds(t), window));
        Assert.Equal(1, Autoscaling.Decide(s, current, 6, T0.AddSeconds(655), window)!.To);
    }
}
