using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Contracts.Events;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Registry.Service.Infrastructure;
using ServiceDefaults.Messaging.Outbox;
using Registry.Tests.Support;
using TestSupport;

namespace Registry.Tests.Api;

/// <summary>Events on the real bus, version pins through gRPC and the 409 they cause, and the gRPC lookups.</summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class EventsAndUsesTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private RegistryApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = new RegistryApp(infrastructure, "registry_events");
        await _app.WaitHealthyAsync();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<int> RegisterAsync(string name)
    {
        var response = await _app.Http.PostAsync("/api/v1/models", ModelForm.Onnx(name).Build());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["version"]!;
    }

    [Fact]
    public async Task ModelRegistered_is_published_on_the_bus_with_its_EventId_as_MessageId()
    {
        await using var listener = await RegistryEvents.ListenAsync(infrastructure.RabbitMqConnectionString);

        var version = await RegisterAsync("evented");

        var (registered, messageId) = await listener.WaitForAsync<ModelRegistered>(e => e.ModelName == "evented");
        Assert.Equal(version, registered.Version);
        Assert.Equal("onnx", registered.Framework);
        Assert.Equal(registered.EventId, messageId);

        // The outbox row that carried it is marked sent.
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        var row = await db.OutboxMessages.SingleAsync(m => m.Id == registered.EventId);
        Assert.NotNull(row.SentAt);
    }

    [Fact]
    public async Task An_event_whose_transaction_rolled_back_is_never_published()
    {
        await using var listener = await RegistryEvents.ListenAsync(infrastructure.RabbitMqConnectionString);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                var eventId = Guid.NewGuid();
                db.AddOutboxEvent(eventId, new ModelRegistered(eventId, "ghost", 1, "onnx", DateTimeOffset.UtcNow), DateTimeOffset.UtcNow);
                await db.SaveChangesAsync();
                await transaction.RollbackAsync();
            });
        }

        // The relay publishes in commit order; once a later event has arrived, the ghost would have too.
        await RegisterAsync("after-ghost");
        await listener.WaitForAsync<ModelRegistered>(e => e.ModelName == "after-ghost");
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // one more relay poll
        Assert.DoesNotContain(listener.Seen, e => e is ModelRegistered { ModelName: "ghost" });
    }

    [Fact]
    public async Task A_version_in_use_cannot_be_deleted_until_released_and_its_deletion_is_published()
    {
        await using var listener = await RegistryEvents.ListenAsync(infrastructure.RabbitMqConnectionString);
        var version = await RegisterAsync("pinned");
        var pinned = await _app.Registry.AcquireModelUseAsync("pinned", "latest", "endpoint-a/blue");
        Assert.Equal(version, pinned.Version);
        Assert.Equal(["endpoint-a/blue"], pinned.UsedBy);
        // Acquiring again is harmless.
        await _app.Registry.AcquireModelUseAsync("pinned", version.ToString(), "endpoint-a/blue");

        var refused = await _app.Http.DeleteAsync($"/api/v1/models/pinned/versions/{version}");
        var problem = await Problems.ReadAsync(refused, HttpStatusCode.Conflict);
        Assert.Contains("endpoint-a/blue", (string?)problem["detail"]);
        Assert.Equal(HttpStatusCode.OK, (await _app.Http.GetAsync($"/api/v1/models/pinned/versions/{version}")).StatusCode);

        var released = await _app.Registry.ReleaseModelUseAsync("endpoint-a/blue", "pinned", version.ToString());
        Assert.Equal(1, released.Released);
        Assert.Equal(0, (await _app.Registry.ReleaseModelUseAsync("endpoint-a/blue", "pinned", version.ToString())).Released);

        Assert.Equal(HttpStatusCode.NoContent, (await _app.Http.DeleteAsync($"/api/v1/models/pinned/versions/{version}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Http.GetAsync($"/api/v1/models/pinned/versions/{version}")).StatusCode);
        var (deleted, _) = await listener.WaitForAsync<ModelDeleted>(e => e.ModelName == "pinned");
        Assert.Equal(version, deleted.Version);

        // Numbers are never reused.
        Assert.Equal(version + 1, await RegisterAsync("pinned"));
    }

    [Fact]
    public async Task Releasing_everything_a_user_holds_frees_all_its_versions()
    {
        await RegisterAsync("multi");
        await RegisterAsync("multi");
        await _app.Registry.AcquireModelUseAsync("multi", "1", "endpoint-b/green");
        await _app.Registry.AcquireModelUseAsync("multi", "2", "endpoint-b/green");

        Assert.Equal(2, (await _app.Registry.ReleaseModelUseAsync("endpoint-b/green")).Released);
        Assert.Equal(HttpStatusCode.NoContent, (await _app.Http.DeleteAsync("/api/v1/models/multi/versions/1")).StatusCode);
    }

    [Fact]
    public async Task A_delete_racing_a_pin_lets_exactly_one_of_them_win()
    {
        for (var round = 0; round < 6; round++)
        {
            var version = (await RegisterAsync("contested")).ToString();
            var acquire = Task.Run(async () =>
            {
                try
                {
                    await _app.Registry.AcquireModelUseAsync("contested", version, "endpoint-c/red");
                    return true;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                    return false;
                }
            });
            var delete = Task.Run(() => _app.Http.DeleteAsync($"/api/v1/models/contested/versions/{version}"));
            var (pinned, deleteStatus) = (await acquire, (await delete).StatusCode);

            if (pinned)
            {
                Assert.Equal(HttpStatusCode.Conflict, deleteStatus);
                Assert.Equal(HttpStatusCode.OK, (await _app.Http.GetAsync($"/api/v1/models/contested/versions/{version}")).StatusCode);
                await _app.Registry.ReleaseModelUseAsync("endpoint-c/red");
            }
            else
            {
                Assert.Equal(HttpStatusCode.NoContent, deleteStatus);
            }
        }
    }

    [Fact]
    public async Task Resolve_returns_metadata_signature_and_local_blob_paths()
    {
        var version = await RegisterAsync("resolvable");

        var resolved = await _app.Registry.ResolveModelAsync("resolvable", "latest");

        Assert.Equal(version, resolved.Version);
        Assert.Equal($"resolvable:{version}", resolved.Id);
        Assert.Equal("model.onnx", resolved.ModelFile);
        var input = Assert.Single(resolved.Onnx.Inputs);
        Assert.Equal("x", input.Name);
        Assert.Equal("FP32", input.Datatype);
        Assert.True(input.HasShape);
        Assert.Equal("batch", input.Shape[0].Symbol);
        Assert.Equal(4, input.Shape[1].Size);
        var file = Assert.Single(resolved.Files);
        Assert.Equal(TestModels.Linear, await File.ReadAllBytesAsync(file.StoragePath));

        var files = await _app.Registry.ListModelFilesAsync("resolvable", version.ToString());
        Assert.Equal(file, Assert.Single(files.Files));
        var copy = new MemoryStream();
        await _app.Registry.DownloadFileAsync("resolvable", version.ToString(), "model.onnx", copy);
        Assert.Equal(TestModels.Linear, copy.ToArray());
    }

    [Theory]
    [InlineData("-bad", "1", StatusCode.InvalidArgument, "name")]
    [InlineData("good", "zero", StatusCode.InvalidArgument, "version")]
    [InlineData("nobody-has-this", "latest", StatusCode.NotFound, "nobody-has-this")]
    public async Task Bad_or_unknown_gRPC_lookups_get_the_matching_status(string name, string version, StatusCode code, string mentioned)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _app.Registry.ResolveModelAsync(name, version));
        Assert.Equal(code, error.StatusCode);
        Assert.Contains(mentioned, error.Status.Detail);
    }

    [Fact]
    public async Task A_pin_needs_a_user_and_an_existing_version()
    {
        await RegisterAsync("pinless");
        var noUser = await Assert.ThrowsAsync<RpcException>(() => _app.Registry.AcquireModelUseAsync("pinless", "1", ""));
        Assert.Equal(StatusCode.InvalidArgument, noUser.StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _app.Registry.AcquireModelUseAsync("pinless", "9", "endpoint-d/x"));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var missingFile = await Assert.ThrowsAsync<RpcException>(() => _app.Registry.DownloadFileAsync("pinless", "1", "nope.bin", new MemoryStream()));
        Assert.Equal(StatusCode.NotFound, missingFile.StatusCode);
    }
}
