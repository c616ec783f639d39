using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Registry.Tests.Support;
using TestSupport;

namespace Registry.Tests.Api;

/// <summary>Uploads over the size limit get 413; uploads that break off leave no row and no blob.</summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class UploadLimitTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private const long Limit = 64 * 1024;
    private RegistryApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = new RegistryApp(infrastructure, "registry_limits", maxUploadBytes: Limit);
        await _app.WaitHealthyAsync();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_refused_with_413_and_leaves_nothing()
    {
        var form = new ModelForm().Field("name", "big").Field("framework", "custom").File("big.bin", new byte[Limit + 1]);

        var response = await _app.Http.PostAsync("/api/v1/models", form.Build());

        await Problems.ReadAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(_app.Blobs);
        Assert.Empty(_app.TempFiles);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Http.GetAsync("/api/v1/models/big/versions/latest")).StatusCode);
    }

    [Fact]
    public async Task Files_together_over_the_limit_are_refused_even_when_each_fits()
    {
        var half = new byte[Limit / 2 + 10];
        var form = new ModelForm().Field("name", "parts").Field("framework", "custom").File("a.bin", half).File("b.bin", half);
        await Problems.ReadAsync(await _app.Http.PostAsync("/api/v1/models", form.Build()), HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(_app.Blobs);
    }

    [Fact]
    public async Task An_upload_just_under_the_limit_is_accepted()
    {
        var form = new ModelForm().Field("name", "fits").Field("framework", "custom").File("fits.bin", new byte[Limit - 1]);
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/api/v1/models", form.Build())).StatusCode);
    }

    [Fact]
    public async Task An_upload_that_breaks_off_half_way_leaves_no_row_and_no_blob()
    {
        var blobsBefore = _app.Blobs.Count;
        var content = new MultipartFormDataContent
        {
            { new StringContent("broken"), "name" },
            { new StringContent("custom"), "framework" },
            { new StreamContent(new FailingStream(Limit / 2)), "file", "weights.bin" },
        };

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => _app.Http.PostAsync("/api/v1/models", content));

        // The server notices the dropped connection on its own schedule: wait for its temporary file to go.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (_app.TempFiles.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Empty(_app.TempFiles);
        Assert.Equal(blobsBefore, _app.Blobs.Count);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Http.GetAsync("/api/v1/models/broken/versions/latest")).StatusCode);
        var listed = await _app.Http.GetFromJsonAsync<JsonArray>("/api/v1/models?name=broken");
        Assert.Empty(listed!);
    }

    /// <summary>Sends some bytes, then fails, so the client aborts the request mid-body.</summary>
    private sealed class FailingStream(long bytesBeforeFailure) : Stream
    {
        private long _sent;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_sent >= bytesBeforeFailure) throw new IOException("the client broke off the upload");
            var n = (int)Math.Min(Math.Min(count, 4096), bytesBeforeFailure - _sent);
            Array.Fill(buffer, (byte)7, offset, n);
            _sent += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
