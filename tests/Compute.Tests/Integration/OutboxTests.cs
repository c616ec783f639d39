using System.Net;
using Compute.Service.Application;
using Compute.Service.Infrastructure;
using Contracts.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Messaging.Outbox;
using TestSupport;

namespace Compute.Tests.Integration;

/// <summary>
/// ComputeTargetChanged goes through the shared transactional outbox: published once its transaction commits, never
/// when it rolls back, and still published when the broker was unreachable at the time of the change.
/// </summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class OutboxTests(InfrastructureFixture infra)
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..16];

    private static async Task<List<OutboxMessage>> RowsAsync(ComputeApp app, string compute)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var rows = await db.OutboxMessages.AsNoTracking().Where(m => m.Type == nameof(ComputeTargetChanged)).ToListAsync();
        return rows.Where(m => m.Payload.Contains($"\"{compute}\"")).ToList();
    }

    [Fact]
    public async Task A_change_is_published_after_its_commit_and_its_outbox_row_marked_sent()
    {
        await using var bus = await ComputeTargetEvents.ListenAsync(infra.RabbitMqConnectionString);
        await using var app = await ComputeApp.StartAsync(infra);
        using var client = app.CreateClient();
        var name = Unique("outboxed");
        await (await client.PutComputeAsync(name, new { type = "local", purpose = "DevTest", vmSize = "Standard_D2_v2" })).JsonAsync(HttpStatusCode.Created);

        var creating = await bus.WaitForAsync(name, "Creating");
        await bus.WaitForAsync(name, "Succeeded");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<OutboxMessage> rows;
        while ((rows = await RowsAsync(app, name)).Any(r => r.SentAt is null) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.NotNull(r.SentAt));
        Assert.Contains(rows, r => r.Id == creating.EventId);
    }

    [Fact]
    public async Task An_event_whose_transaction_rolls_back_is_never_published()
    {
        await using var bus = await ComputeTargetEvents.ListenAsync(infra.RabbitMqConnectionString);
        await using var app = await ComputeApp.StartAsync(infra);
        var ghost = Unique("ghost");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
            var events = scope.ServiceProvider.GetRequiredService<ComputeEvents>();
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                events.Changed(db, ghost, "local", "Creating", null);
                await db.SaveChangesAsync();
                await transaction.RollbackAsync();
            });
            events.Committed();
        }
        // A refused request adds no event either: the type of a compute cannot change.
        using var client = app.CreateClient();
        var refused = Unique("refused");
        await (await client.PutComputeAsync(refused, new { type = "local", purpose = "DevTest", vmSize = "Standard_D2_v2" })).JsonAsync(HttpStatusCode.Created);
        await bus.WaitForAsync(refused, "Succeeded");
        using (var refusal = await client.PutComputeAsync(refused, new { type = "kubernetes", kubernetes = new { apiServer = "https://127.0.0.1:1", token = "t" } }))
            Assert.False(refusal.IsSuccessStatusCode, await refusal.Content.ReadAsStringAsync());

        // The relay publishes in commit order; once a later event has arrived, the ghost would have too.
        var after = Unique("after");
        await (await client.PutComputeAsync(after, new { type = "local", purpose = "DevTest", vmSize = "Standard_D2_v2" })).JsonAsync(HttpStatusCode.Created);
        await bus.WaitForAsync(after, "Succeeded");
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // one more relay poll
        Assert.DoesNotContain(bus.Received<ComputeTargetChanged>(), e => e.ComputeName == ghost);
        Assert.Equal(["Creating", "Succeeded"], bus.Received<ComputeTargetChanged>().Where(e => e.ComputeName == refused).Select(e => e.ProvisioningState).ToArray());
        Assert.Empty(await RowsAsync(app, ghost));
    }

    [Fact]
    public async Task Events_written_while_the_broker_is_unreachable_are_published_once_it_can_be_reached()
    {
        await using var bus = await ComputeTargetEvents.ListenAsync(infra.RabbitMqConnectionString);
        var name = Unique("offline");
        IReadOnlyDictionary<string, string?> settings;
        await using (var offline = await ComputeApp.StartAsync(infra, s => s["ConnectionStrings:messaging"] = $"amqp://guest:guest@127.0.0.1:{UnusedPort()}/"))
        {
            settings = offline.Settings;
            using var client = offline.CreateClient();
            // The change itself does not depend on the broker.
            await (await client.PutComputeAsync(name, new { type = "local", purpose = "DevTest", vmSize = "Standard_D2_v2" })).JsonAsync(HttpStatusCode.Created);
            Assert.Equal("Succeeded", (await client.WaitProvisionedAsync(name)).GetProperty("provisioningState").GetString());
            await Task.Delay(TimeSpan.FromSeconds(3));
            var waiting = await RowsAsync(offline, name);
            Assert.Equal(2, waiting.Count);
            Assert.All(waiting, r => Assert.Null(r.SentAt));
        }
        Assert.DoesNotContain(bus.Received<ComputeTargetChanged>(), e => e.ComputeName == name);

        // The same service (same database) with a reachable broker: the waiting events go out, in order, once each.
        var online = new Dictionary<string, string?>(settings) { ["ConnectionStrings:messaging"] = infra.RabbitMqConnectionString };
        await using var app = ComputeApp.Start(online);
        await bus.WaitForAsync(name, "Creating");
        await bus.WaitForAsync(name, "Succeeded");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await RowsAsync(app, name)).Any(r => r.SentAt is null) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.All(await RowsAsync(app, name), r => Assert.NotNull(r.SentAt));
        Assert.Equal(["Creating", "Succeeded"], bus.Received<ComputeTargetChanged>().Where(e => e.ComputeName == name).Select(e => e.ProvisioningState).ToArray());
    }

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
