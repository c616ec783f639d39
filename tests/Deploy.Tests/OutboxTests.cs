using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Contracts.Clients;
using Contracts.Events;
using Deploy.Service.Infrastructure;
using Deploy.Service.Routing;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Messaging.Outbox;
using TestSupport;

namespace Deploy.Tests;

/// <summary>
/// RoutingChanged and DeploymentStateChanged go through the shared transactional outbox: published once their
/// transaction commits (with the EventId as MessageId), never when it rolls back, and still published when the relay
/// was down at the time of the change.
/// </summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class OutboxTests(InfrastructureFixture infrastructure)
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private static async Task Put(HttpClient http, string path, string json)
    {
        using var response = await http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<List<OutboxMessage>> RowsAsync(DeployServiceFactory factory, string endpoint)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
        var rows = await db.OutboxMessages.AsNoTracking().ToListAsync();
        return rows.Where(m => m.Payload.Contains($"\"{endpoint}\"")).OrderBy(m => m.OccurredAt).ToList();
    }

    [Fact]
    public async Task ChangesArePublishedAfterTheirCommitWithTheEventIdAsMessageId()
    {
        await using var bus = await DeployEvents.ListenAsync(infrastructure.RabbitMqConnectionString);
        await using var factory = new DeployServiceFactory(infrastructure, "deploy_outbox_tests");
        using var http = factory.CreateClient();
        var endpoint = Unique("ep");

        await Put(http, $"/api/v1/endpoints/{endpoint}", "{}");
        var (routing, messageId) = await bus.WaitForAsync<RoutingChanged>(e => e.Endpoint == endpoint);
        Assert.Equal(routing.EventId, messageId);
        var deploy = new DeployClient(factory.CreateGrpcChannel());
        Assert.True((await deploy.GetRoutingTableAsync()).Version >= routing.RoutingVersion);

        await Put(http, $"/api/v1/endpoints/{endpoint}/deployments/blue", """{"model":"absent:1"}""");
        var (state, _) = await bus.WaitForAsync<DeploymentStateChanged>(e => e.Endpoint == endpoint && e.State == "Creating");
        Assert.Equal("blue", state.Deployment);
        var (next, _) = await bus.WaitForAsync<RoutingChanged>(e => e.Endpoint == endpoint && e.RoutingVersion > routing.RoutingVersion);
        Assert.True(next.RoutingVersion > routing.RoutingVersion);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<OutboxMessage> rows;
        while ((rows = await RowsAsync(factory, endpoint)).Any(r => r.SentAt is null) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Contains(rows, r => r.Id == routing.EventId && r.SentAt is not null);
        Assert.Contains(rows, r => r.Id == state.EventId && r.SentAt is not null);
    }

    [Fact]
    public async Task AnEventWhoseTransactionRollsBackIsNeverPublished()
    {
        await using var bus = await DeployEvents.ListenAsync(infrastructure.RabbitMqConnectionString);
        await using var factory = new DeployServiceFactory(infrastructure, "deploy_outbox_tests");
        using var http = factory.CreateClient();
        var ghost = Unique("ghost");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            // A routing change that fails after its event was written: the version bump and the event go together.
            var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
            var events = scope.ServiceProvider.GetRequiredService<RoutingEvents>();
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.InTransactionAsync<long>(async ct =>
            {
                events.StateChanged(ghost, "blue", "Healthy", null);
                await events.RoutingChangedAsync(ghost, ct);
                throw new InvalidOperationException("the change fails after its events were written");
            }, CancellationToken.None));
            events.Committed();
        }

        // The relay publishes in commit order; once a later event has arrived, the ghost would have too.
        var after = Unique("after");
        await Put(http, $"/api/v1/endpoints/{after}", "{}");
        await bus.WaitForAsync<RoutingChanged>(e => e.Endpoint == after);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // one more relay poll
        Assert.DoesNotContain(bus.Seen, e => e is RoutingChanged { Endpoint: var n } && n == ghost);
        Assert.DoesNotContain(bus.Seen, e => e is DeploymentStateChanged { Endpoint: var n } && n == ghost);
        Assert.Empty(await RowsAsync(factory, ghost));
    }

    [Fact]
    public async Task EventsWrittenWhileTheRelayIsDownArePublishedOnceItRuns()
    {
        await using var bus = await DeployEvents.ListenAsync(infrastructure.RabbitMqConnectionString);
        var endpoint = Unique("ep");
        const string database = "deploy_outbox_relay_down";
        await using (var down = new DeployServiceFactory(infrastructure, database, new Dictionary<string, string?> { ["Outbox:RelayEnabled"] = "false" }))
        {
            using var http = down.CreateClient();
            await Put(http, $"/api/v1/endpoints/{endpoint}", "{}");
            await Put(http, $"/api/v1/endpoints/{endpoint}/deployments/blue", """{"model":"absent:1"}""");
            await Task.Delay(TimeSpan.FromSeconds(3));
            var waiting = await RowsAsync(down, endpoint);
            Assert.True(waiting.Count >= 3, $"{waiting.Count} outbox rows");
            Assert.All(waiting, r => Assert.Null(r.SentAt));
        }
        Assert.DoesNotContain(bus.Seen, e => e is RoutingChanged { Endpoint: var n } && n == endpoint);

        // The service again on the same database, its relay running: everything that waited goes out, in order.
        await using var up = new DeployServiceFactory(infrastructure, database);
        up.CreateClient().Dispose();
        var (first, _) = await bus.WaitForAsync<RoutingChanged>(e => e.Endpoint == endpoint);
        await bus.WaitForAsync<DeploymentStateChanged>(e => e.Endpoint == endpoint && e.State == "Creating");
        await bus.WaitForAsync<RoutingChanged>(e => e.Endpoint == endpoint && e.RoutingVersion > first.RoutingVersion);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await RowsAsync(up, endpoint)).Any(r => r.SentAt is null) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.All(await RowsAsync(up, endpoint), r => Assert.NotNull(r.SentAt));
    }
}

/// <summary>Listens to the deploy service's events on the real RabbitMQ.</summary>
public static class DeployEvents
{
    public static Task<BusEventListener> ListenAsync(string amqpUri) =>
        BusEventListener.StartAsync(amqpUri, "deploy-tests", s => s.To<RoutingChanged>().To<DeploymentStateChanged>());
}
