using System.Net;
using System.Net.Http.Headers;
using GrpcLite.Tests.Infrastructure;

namespace GrpcLite.Tests;

/// <summary>What our server puts on the wire, checked with a plain HTTP/2 client.</summary>
public sealed class HttpProtocolTests(EchoServer server) : IClassFixture<EchoServer>, IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    [Fact]
    public async Task Unknown_method_gets_a_trailers_only_unimplemented_response()
    {
        using var response = await PostAsync("/grpclite.test.v1.Echo/NoSuchMethod", EmptyFrame());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", Header(response.Headers, "grpc-status"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.False(response.TrailingHeaders.Contains("grpc-status"));
    }

    [Fact]
    public async Task Successful_call_sends_the_message_then_status_in_trailers()
    {
        using var response = await PostAsync("/grpclite.test.v1.Echo/Unary", EmptyFrame());
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("identity,gzip", Header(response.Headers, "grpc-accept-encoding"));
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, body);
        Assert.Equal("0", Header(response.TrailingHeaders, "grpc-status"));
        Assert.False(response.Headers.Contains("grpc-status"));
    }

    [Fact]
    public async Task Proto_suffixed_content_type_is_accepted()
    {
        using var response = await PostAsync("/grpclite.test.v1.Echo/Unary", EmptyFrame(), "application/grpc+proto");
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("0", Header(response.TrailingHeaders, "grpc-status"));
    }

    [Fact]
    public async Task Non_grpc_content_type_is_refused_with_415()
    {
        using var response = await PostAsync("/grpclite.test.v1.Echo/Unary", EmptyFrame(), "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Unsupported_request_encoding_is_unimplemented_and_lists_what_is_accepted()
    {
        using var response = await PostAsync("/grpclite.test.v1.Echo/Unary", EmptyFrame(), headers: ("grpc-encoding", "snappy"));
        Assert.Equal("12", Header(response.Headers, "grpc-status"));
        Assert.Equal("identity,gzip", Header(response.Headers, "grpc-accept-encoding"));
    }

    [Fact]
    public async Task Malformed_timeout_is_rejected()
    {
        using var response = await PostAsync("/grpclite.test.v1.Echo/Unary", EmptyFrame(), headers: ("grpc-timeout", "soon"));
        Assert.Equal("13", Header(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task Status_message_is_percent_encoded_on_the_wire()
    {
        // EchoRequest { fail_code = 5, fail_message = "100% ü" }
        var message = new GrpcLite.Tests.V1.EchoRequest { FailCode = 5, FailMessage = "100% ü" };
        using var response = await PostAsync("/grpclite.test.v1.Echo/Unary", Frame(message));
        Assert.Equal("5", Header(response.Headers, "grpc-status"));
        Assert.Equal("100%25 %C3%BC", Header(response.Headers, "grpc-message"));
    }

    [Fact]
    public async Task Truncated_request_frame_is_internal()
    {
        using var response = await PostAsync("/grpclite.test.v1.Echo/Unary", new byte[] { 0, 0, 0, 0, 10, 1, 2 });
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("13", Header(response.Headers, "grpc-status") ?? Header(response.TrailingHeaders, "grpc-status"));
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body, string contentType = "application/grpc", params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static byte[] EmptyFrame() => new byte[5];

    private static byte[] Frame(Google.Protobuf.IMessage message) => GrpcLite.Protocol.MessageFrame.ToArray(message, int.MaxValue);

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
