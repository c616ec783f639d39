using Gateway.Service.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Tests.Unit;

/// <summary>
/// The gateway decodes a control-plane path once, as its routing did, and forwards it encoded in full, so the owning
/// service decodes it into the segment the client sent: a doubly encoded <c>..</c> never becomes the parent resource.
/// </summary>
public sealed class ControlPlanePathTests
{
    private static (string? PathAndQuery, string? Error) Rewrite(string rawTarget)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        return ControlPlanePath.Rewrite(context);
    }

    [Theory]
    [InlineData("/api/v1/endpoints/e/deployments/%252e%252e", "/api/v1/endpoints/e/deployments/%252e%252e")]
    [InlineData("/api/v1/endpoints/e/deployments/%25252e%25252e", "/api/v1/endpoints/e/deployments/%25252e%25252e")]
    [InlineData("/api/v1/endpoints/e/deployments/%253fx", "/api/v1/endpoints/e/deployments/%253fx")]
    [InlineData("/api/v1/endpoints/e/deployments/%252F", "/api/v1/endpoints/e/deployments/%252F")]
    [InlineData("/api/v1/models/m/versions/1/files/a%20b.onnx", "/api/v1/models/m/versions/1/files/a%20b.onnx")]
    [InlineData("/api/v1/models/m/versions/1/files/dir/model.onnx", "/api/v1/models/m/versions/1/files/dir/model.onnx")]
    [InlineData("/api/v1/models/m/versions/latest?x=%252e&y=1", "/api/v1/models/m/versions/latest?x=%252e&y=1")]
    [InlineData("/api/v1/endpoints/Blue-1_x", "/api/v1/endpoints/Blue-1_x")]
    public void Each_segment_is_decoded_once_and_encoded_again_in_full(string raw, string forwarded)
    {
        var (pathAndQuery, error) = Rewrite(raw);
        Assert.Null(error);
        Assert.Equal(forwarded, pathAndQuery);
        // What the owning service's routing sees is what the gateway's routing saw: one decode of the client's path.
        var path = forwarded.Split('?')[0];
        Assert.Equal(Uri.UnescapeDataString(raw.Split('?')[0]), Uri.UnescapeDataString(path));
    }

    [Theory]
    [InlineData("/api/v1/endpoints/e/deployments/..")]
    [InlineData("/api/v1/endpoints/e/deployments/%2e%2e")]
    [InlineData("/api/v1/endpoints/e/deployments/.%2E")]
    [InlineData("/api/v1/endpoints/e/deployments/%2E")]
    [InlineData("/api/v1/endpoints/e/../deployments/d")]
    [InlineData("/api/v1/endpoints/e%2Fdeployments/d")]
    [InlineData("/api/v1/endpoints/e%5Cdeployments/d")]
    [InlineData("/api/v1/models/m%00/versions/1")]
    [InlineData("/api/v1/models/m%0a/versions/1")]
    public void Dot_segments_encoded_slashes_and_control_characters_are_refused_with_the_segment_named(string raw)
    {
        var (pathAndQuery, error) = Rewrite(raw);
        Assert.Null(pathAndQuery);
        Assert.NotNull(error);
        Assert.StartsWith("The path segment '", error);
    }
}
