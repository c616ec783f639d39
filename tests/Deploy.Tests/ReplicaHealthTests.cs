using System.Text.Json;
using Deploy.Service.Apis;
using Deploy.Service.Domain;
using Deploy.Service.Health;
using Deploy.Service.Infrastructure;

namespace Deploy.Tests;

/// <summary>The health watcher's rules on their own: thresholds, partial and total loss, recovery, and what is left alone.</summary>
public sealed class ReplicaHealthTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly ReplicaResponse A = new("inference-0", "http://127.0.0.1:5001", "http://127.0.0.1:5002");
    private static readonly ReplicaResponse B = new("inference-1", "http://127.0.0.1:6001", "http://127.0.0.1:6002");

    private static DeploymentEntity Deployment(string state = DeploymentStates.Healthy, string? error = null, params UnreadyReplicaResponse[] unready) => new()
    {
        Id = Guid.NewGuid(), EndpointName = "ep", Name = "blue", Model = "m:1", Compute = "local",
        State = state, Error = error, NodeModelName = "ep.blue.g1",
        ReplicasJson = JsonSerializer.Serialize(new[] { A, B }, Json),
        UnreadyReplicasJson = JsonSerializer.Serialize(unready, Json),
    };

    private static UnreadyReplicaResponse Out(ReplicaResponse r, string reason = "the node did not answer") =>
        new(r.NodeName, r.HttpAddress, r.GrpcAddress, reason, Now.AddMinutes(-1));

    private static Dictionary<string, ReplicaProbe> Probes(ReplicaProbe a, ReplicaProbe b) => new() { [A.NodeName] = a, [B.NodeName] = b };

    private static readonly ReplicaProbe Ok = new(null, 0);

    private static void Apply(DeploymentEntity d, HealthChange change)
    {
        d.UnreadyReplicasJson = JsonSerializer.Serialize(change.Unready, Json);
        d.State = change.State;
        d.Error = change.Error;
    }

    [Fact]
    public void AllReadyChangesNothing() =>
        Assert.Null(ReplicaHealth.Decide(Deployment(), Probes(Ok, Ok), threshold: 2, Now));

    [Fact]
    public void OneMissedProbeIsLoggedButNeverTakesAReplicaOut()
    {
        var change = ReplicaHealth.Decide(Deployment(), Probes(Ok, new ReplicaProbe("the node did not answer", 1)), threshold: 2, Now);
        Assert.NotNull(change);
        Assert.False(change.RoutingChanged);
        Assert.Empty(change.Unready);
        Assert.Equal(DeploymentStates.Healthy, change.State);
        Assert.Contains(change.Log, l => l.Message.Contains("1 of 2") && l.Message.Contains("inference-1"));
    }

    [Fact]
    public void AReplicaFailingThresholdTimesLeavesRoutingWhileTheOthersServe()
    {
        var d = Deployment();
        var change = ReplicaHealth.Decide(d, Probes(Ok, new ReplicaProbe("the node did not answer", 2)), threshold: 2, Now)!;
        Assert.True(change.RoutingChanged);
        Assert.Equal(DeploymentStates.Healthy, change.State);
        Assert.Null(change.Error);
        Assert.Equal("inference-1", Assert.Single(change.Unready).NodeName);
        Apply(d, change);
        Assert.Equal([A], ReplicaHealth.Routed(d));
        Assert.Contains(change.Log, l => l.Message.Contains("taken out of routing"));
    }

    [Fact]
    public void NoReadyReplicaMakesTheDeploymentUnhealthyNamingEachReplicaAndWhy()
    {
        var d = Deployment(unready: Out(B));
        var change = ReplicaHealth.Decide(d, Probes(new ReplicaProbe("model ep.blue.g1 is not loaded on the node", 2), new ReplicaProbe("x", 5)), threshold: 2, Now)!;
        Assert.True(change.RoutingChanged);
        Assert.Equal(DeploymentStates.Unhealthy, change.State);
        Assert.Contains("inference-0: model ep.blue.g1 is not loaded", change.Error);
        Assert.Contains("inference-1: the node did not answer", change.Error);
        Apply(d, change);
        Assert.Empty(ReplicaHealth.Routed(d));
    }

    [Fact]
    public void TheFirstGoodProbeBringsAReplicaBackAndTheDeploymentHealthy()
    {
        var d = Deployment(DeploymentStates.Unhealthy, "No ready replica: …", Out(A), Out(B));
        var change = ReplicaHealth.Decide(d, Probes(new ReplicaProbe("still down", 7), Ok), threshold: 2, Now)!;
        Assert.True(change.RoutingChanged);
        Assert.Equal(DeploymentStates.Healthy, change.State);
        Assert.Null(change.Error);
        Apply(d, change);
        Assert.Equal([B], ReplicaHealth.Routed(d));
        change = ReplicaHealth.Decide(d, Probes(Ok, Ok), threshold: 2, Now)!;
        Assert.True(change.RoutingChanged);
        Assert.Empty(change.Unready);
        Assert.Contains(change.Log, l => l.Message.Contains("ready again"));
    }

    [Fact]
    public void AReplicaNotProbedKeepsItsStatus()
    {
        var d = Deployment(unready: Out(B));
        Assert.Null(ReplicaHealth.Decide(d, new Dictionary<string, ReplicaProbe> { [A.NodeName] = Ok }, threshold: 2, Now));
    }

    [Fact]
    public void AFailedRolloutsErrorIsKeptWhileItsOldReplicasServe()
    {
        // An update whose warm-up failed: Unhealthy with the reason while the old replicas keep serving.
        var d = Deployment(DeploymentStates.Unhealthy, "warm-up on inference-0 answered 500 (m:1 keeps serving)");
        var change = ReplicaHealth.Decide(d, Probes(Ok, new ReplicaProbe("gone", 2)), threshold: 2, Now)!;
        Assert.Equal(DeploymentStates.Unhealthy, change.State);
        Assert.Equal(d.Error, change.Error);
        Apply(d, change);
        Assert.Equal(DeploymentStates.Unhealthy, ReplicaHealth.Decide(d, Probes(Ok, Ok), threshold: 2, Now)!.State);
    }

    [Fact]
    public void A_failed_updates_reason_survives_a_total_loss_and_the_recovery_that_follows()
    {
        const string reason = "warm-up on inference-0 answered 500 (m:1 keeps serving)";
        var d = Deployment(DeploymentStates.Unhealthy, reason);
        var lost = ReplicaHealth.Decide(d, Probes(new ReplicaProbe("gone", 2), new ReplicaProbe("gone", 2)), threshold: 2, Now)!;
        Assert.Equal(DeploymentStates.Unhealthy, lost.State);
        Assert.Equal(reason, lost.Error);
        Assert.Equal(2, lost.Unready.Count);
        Apply(d, lost);

        var back = ReplicaHealth.Decide(d, Probes(Ok, Ok), threshold: 2, Now)!;
        Assert.Empty(back.Unready);
        Assert.Equal(DeploymentStates.Unhealthy, back.State);
        Assert.Equal(reason, back.Error);
    }

    [Fact]
    public void ADeploymentBeingRolledOutOnlyHasItsRoutedReplicasFiltered()
    {
        var d = Deployment(DeploymentStates.Transitioning);
        var change = ReplicaHealth.Decide(d, Probes(new ReplicaProbe("a", 2), new ReplicaProbe("b", 2)), threshold: 2, Now)!;
        Assert.True(change.RoutingChanged);
        Assert.Equal(DeploymentStates.Transitioning, change.State);
        Assert.Equal(2, change.Unready.Count);
    }
}
