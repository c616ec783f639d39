using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Support;
using TestSupport;

namespace Gateway.Tests.Integration;

[Collection(nameof(InfrastructureCollection))]
public sealed class ControlPlaneTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private GatewayApp _gateway = null!;
    private TestNode _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestNode.StartAsync("upstream");
        // compute points at a port nothing listens on: the "service is down" case.
        _gateway = new GatewayApp(infrastructure, "gateway_control", _upstream.Address,
            new() { ["services:compute:http:0"] = "http://127.0.0.1:9" });
        await _gateway.PublishRoutingAsync(1);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-admin-key")]
    public async Task Control_plane_without_the_admin_key_is_401_problem_details(string? key)
    {
        var client = _gateway.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var models = await client.GetAsync("/api/v1/models");
        using var keys = await client.GetAsync("/api/v1/endpoints/e/keys");

        foreach (var response in new[] { models, keys })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Empty(_upstream.ControlPlaneRequests);
    }

    [Fact]
    public async Task Requests_are_forwarded_as_they_are_with_the_platform_credential_instead_of_the_admin_key_and_answers_come_back_unchanged()
    {
        using var response = await _gateway.AdminClient().PutAsJsonAsync("/api/v1/endpoints/e1?force=true", new { authMode = "key" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(_upstream.ControlPlaneRequests, r => r.PathAndQuery == "/api/v1/endpoints/e1?force=true");
        Assert.Equal("PUT", forwarded.Method);
        Assert.Equal("application/json", forwarded.ContentType?.Split(';')[0]);
        // The services answer only the platform: the admin key stops at the gateway, the platform credential goes on.
        Assert.Equal(TestPlatformCredential.Credential.AuthorizationHeader, forwarded.Authorization);
        Assert.DoesNotContain(_gateway.AdminKey, forwarded.Authorization);
        Assert.Equal("/api/v1/models/m/versions/1", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Problem_details_of_the_owning_service_pass_through_with_their_status()
    {
        using var response = await _gateway.AdminClient().GetAsync("/api/v1/models/missing/versions/1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Model 'missing' was not found.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_large_multipart_upload_is_streamed_through_beyond_the_default_body_limit()
    {
        const int size = 40 * 1024 * 1024;
        using var form = new MultipartFormDataContent
        {
            { new StringContent("big"), "name" },
            { new StreamContent(new PatternStream(size)), "file", "model.onnx" },
        };

        using var response = await _gateway.AdminClient().PostAsync("/api/v1/models", form);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("received").GetInt64() > size);
        Assert.StartsWith("multipart/form-data", Assert.Single(_upstream.ControlPlaneRequests, r => r.Method == "POST").ContentType);
    }

    [Fact]
    public async Task An_unreachable_service_is_503_problem_details()
    {
        using var response = await _gateway.AdminClient().GetAsync("/api/v1/computes");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("compute", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A readable stream of <c>length</c> bytes produced on the fly: the test itself buffers nothing either.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++) buffer[offset + i] = (byte)((_position + i) % 251);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
