using System.Net;
using Contracts.Registry.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Registry.Tests.Support;
using TestSupport;

namespace Registry.Tests.Api;

/// <summary>
/// The registry answers only the platform (the gateway, Deploy, nodes): REST and gRPC without the platform credential,
/// or with a wrong one, get 401 / UNAUTHENTICATED and change nothing; with it they work; health stays open.
/// </summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class PlatformCredentialTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private RegistryApp _app = null!;
    private HttpClient _anonymous = null!;
    private GrpcChannel _anonymousGrpc = null!;

    public async Task InitializeAsync()
    {
        _app = new RegistryApp(infrastructure, "registry_credential");
        await _app.WaitHealthyAsync();
        _anonymous = new HttpClient { BaseAddress = _app.HttpAddress };
        _anonymousGrpc = GrpcChannel.ForAddress(_app.GrpcAddress, new GrpcChannelOptions { MaxRetryAttempts = 0 });
    }

    public Task DisposeAsync()
    {
        _anonymous.Dispose();
        _anonymousGrpc.Dispose();
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Rest_without_the_platform_credential_is_401_problem_details_and_registers_nothing()
    {
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous, () => new(HttpMethod.Get, "/api/v1/models"));
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous, () => new(HttpMethod.Get, "/api/v1/environments"));
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous, () => new(HttpMethod.Delete, "/api/v1/models/m/versions/1"));
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous,
            () => new(HttpMethod.Post, "/api/v1/models") { Content = ModelForm.Onnx("refused-model").Build() });

        Assert.Equal(HttpStatusCode.NotFound, (await _app.Http.GetAsync("/api/v1/models/refused-model/versions/latest")).StatusCode);
        Assert.Empty(_app.Blobs);
    }

    [Fact]
    public async Task Grpc_without_the_platform_credential_is_unauthenticated()
    {
        var client = new Contracts.Registry.V1.Registry.RegistryClient(_anonymousGrpc);
        await PlatformCredentialAssertions.AssertGrpcRefusedAsync(o => client.ResolveModelAsync(new ResolveModelRequest { Name = "m" }, o).ResponseAsync);
        await PlatformCredentialAssertions.AssertGrpcRefusedAsync(async o =>
        {
            using var download = client.DownloadModel(new DownloadModelRequest { Name = "m", Version = "1" }, o);
            await download.ResponseStream.MoveNext();
        });
    }

    [Fact]
    public async Task With_the_platform_credential_rest_and_grpc_work()
    {
        using var registered = await _app.Http.PostAsync("/api/v1/models", ModelForm.Onnx("credential-model").Build());
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);

        var resolved = await _app.Registry.ResolveModelAsync("credential-model", "latest");
        Assert.Equal("credential-model", resolved.Name);
        // Not found is an answer of the service itself, past authentication.
        var missing = await Assert.ThrowsAsync<RpcException>(() => _app.Registry.ResolveModelAsync("no-such-model", "1"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public Task Health_answers_without_a_credential() => PlatformCredentialAssertions.AssertHealthOpenAsync(_anonymous, _anonymousGrpc);
}
