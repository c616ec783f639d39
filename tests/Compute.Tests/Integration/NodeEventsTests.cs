using System.Text.Json;
using Compute.Service.Application;
using Compute.Service.Infrastructure;
using Contracts.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Compute.Tests.Integration;

/// <summary>Compute announces a node registering, its lease expiring and its return on the bus (through its outbox).</summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class NodeEventsTests(InfrastructureFixture infra)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_node_is_announced_registered_then_lost_when_its_lease_expires_then_returned_when_it_heartbeats_again()
    {
        // A one-second heartbeat and two missed ones: the lease expires two seconds after the last heartbeat.
        await using var app = await ComputeApp.StartAsync(infra, s =>
        {
            s["Compute:HeartbeatIntervalSeconds"] = "1";
            s["Compute:MissedHeartbeatsBeforeUnhealthy"] = "2";
        });
        var node = $"node-{Guid.NewGuid():N}"[..16];
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<NodeRegistry>().RegisterAsync(
                new RegisterNodeCommand(node, "http://127.0.0.1:7101", "http://127.0.0.1:7102", 2, 4, 0, []), CancellationToken.None);

        var registered = await WaitForAsync<NodeRegistered>(app, node, 1);
        Assert.False(registered[0].Returned);
        Assert.Equal("http://127.0.0.1:7102", registered[0].GrpcAddress);

        // No heartbeat: lost once, however many sweeps see it so.
        var lost = await WaitForAsync<NodeLost>(app, node, 1);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await EventsAsync<NodeLost>(app, node));
        Assert.True(lost[0].OccurredAt - lost[0].LastHeartbeatAt >= TimeSpan.FromSeconds(2));

        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<NodeRegistry>().HeartbeatAsync(new HeartbeatCommand(node, 0, 0, 0, []), CancellationToken.None);
        var again = await WaitForAsync<NodeRegistered>(app, node, 2);
        Assert.True(again.OrderBy(e => e.OccurredAt).Last().Returned);
    }

    private static async Task<List<T>> EventsAsync<T>(ComputeApp app, string node)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var rows = await db.OutboxMessages.AsNoTracking().Where(m => m.Type == typeof(T).Name).ToListAsync();
        return rows.Where(r => r.Payload.Contains($"\"{node}\"")).Select(r => JsonSerializer.Deserialize<T>(r.Payload, Json)!).ToList();
    }

    private static async Task<List<T>> WaitForAsync<T>(ComputeApp app, string node, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<T> events;
        while ((events = await EventsAsync<T>(app, node)).Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{count} {typeof(T).Name} event(s) for {node} expected, {events.Count} written");
            await Task.Delay(100);
        }
        return events;
    }
}
