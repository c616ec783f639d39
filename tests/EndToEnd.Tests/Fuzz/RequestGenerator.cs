using System.Globalization;
using System.Text;

namespace EndToEnd.Tests.Fuzz;

/// <summary>
/// Hostile requests for every public surface, from one seed so a failure can be replayed
/// (<c>PLATFORM_FUZZ_SEED</c>). Every address it makes up is a loopback one: a compute's API server included.
/// </summary>
public sealed class RequestGenerator(int seed, string canaryEndpoint)
{
    private readonly Random _random = new(seed);

    private static readonly string[] Resources = ["models", "computes", "endpoints", "deploy-rules", "environments"];
    private static readonly string[] SubResources =
        ["deployments", "keys", "token", "traffic", "mirror", "versions", "files", "logs", "detach", "regenerate", "latest", "1", "swagger.json"];
    private static readonly string[] HostileSegments =
    [
        "..", ".", "%2e%2e", "%252e%252e", "%25252e%25252e", "%2E", ".%2e", "%253f", "%3f", "%23", "%2F", "a%2Fb", "%5C", "%00", "%0a",
        "%ff%fe", "%e2%80%ae", "%20", "~", "*", "fz-%41", new string('a', 300), "\u00e9t\u00e9", "%C0%AE%C0%AE",
    ];
    private static readonly string[] ContentTypes =
        ["application/json", "application/json; charset=utf-8", "text/plain", "application/xml", "application/octet-stream", "multipart/form-data; boundary=fz", "", "application/merge-patch+json"];
    private static readonly string[] Datatypes =
        ["FP32", "FP64", "FP16", "BF16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT64", "BOOL", "BYTES", "fp32", "", "COMPLEX64", "FP33"];

    public int Next(int max) => _random.Next(max);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private string Name() => _random.Next(4) switch
    {
        0 => "fz-" + _random.Next(1000).ToString(CultureInfo.InvariantCulture),
        1 => Pick(HostileSegments),
        2 => "fz" + new string('x', _random.Next(0, 40)),
        _ => Uri.EscapeDataString(RandomText(_random.Next(1, 12))),
    };

    /// <summary>A control-plane request: method, path (possibly aimed at climbing out of the canary), content type and body.</summary>
    public (string Method, string Path, string ContentType, byte[] Body) ControlPlane()
    {
        var method = Pick(new[] { "GET", "PUT", "POST", "PATCH", "DELETE" });
        var path = new StringBuilder("/api/v1/");
        if (_random.Next(5) == 0)
        {
            // Aimed at the canary, always through a hostile last segment: a legitimate change to it is not fuzzing.
            path.Append("endpoints/").Append(canaryEndpoint).Append('/').Append(Pick(new[] { "deployments/", "keys/", "", "traffic/" }))
                .Append(Pick(HostileSegments));
        }
        else
        {
            path.Append(Pick(Resources));
            for (var i = _random.Next(0, 5); i > 0; i--) path.Append('/').Append(_random.Next(2) == 0 ? Name() : Pick(SubResources));
        }
        if (_random.Next(4) == 0) path.Append('?').Append(Pick(new[] { "tail=-1", "tail=99999999999999", "name=%00", "tag=a:b", "x=%252e" }));
        var contentType = Pick(ContentTypes);
        var body = method is "GET" or "DELETE" && _random.Next(3) > 0 ? [] : Body(contentType);
        return (method, path.ToString(), contentType, body);
    }

    private byte[] Body(string contentType) => contentType.StartsWith("multipart", StringComparison.Ordinal)
        ? Multipart()
        : _random.Next(6) == 0 ? RandomBytes(_random.Next(0, 2048)) : Encoding.UTF8.GetBytes(JsonDocument());

    private byte[] Multipart()
    {
        var b = new StringBuilder();
        for (var i = _random.Next(0, 4); i > 0; i--)
        {
            var field = Pick(new[] { "name", "file", "framework", "tags", "description", "requirements", Name() });
            var fileName = _random.Next(2) == 0 ? $"; filename=\"{Pick(new[] { "model.onnx", "../x", "/etc/passwd", "a\\b", "", "%2e%2e/y", RandomText(5) })}\"" : "";
            b.Append("--fz\r\nContent-Disposition: form-data; name=\"").Append(field).Append('"').Append(fileName).Append("\r\n\r\n")
             .Append(_random.Next(3) == 0 ? JsonDocument() : RandomText(_random.Next(0, 64))).Append("\r\n");
        }
        if (_random.Next(4) > 0) b.Append("--fz--\r\n");
        return Encoding.UTF8.GetBytes(b.ToString());
    }

    /// <summary>A JSON document shaped like the control plane's bodies, with values of the wrong kind, size or range.</summary>
    private string JsonDocument()
    {
        var fields = new[]
        {
            "authMode", "description", "model", "compute", "instanceCount", "cpuCores", "memoryGb", "gpus", "isDefault",
            "trafficPercentile", "batching", "scale", "type", "purpose", "vmSize", "agentCount", "kubernetes", "keyType",
            "expiresInSeconds", "maxBodyBytes", "environment", "entryScript", "forceRebuild", "allowCpuFallback", "deployment", "blue", "tags",
        };
        var b = new StringBuilder("{");
        for (var i = _random.Next(0, 8); i > 0; i--)
        {
            var field = Pick(fields);
            b.Append('"').Append(field).Append("\":");
            if (field == "kubernetes")
                b.Append("{\"apiServer\":\"http://127.0.0.1:9\",\"namespace\":").Append(Value(1)).Append(",\"token\":").Append(Value(1)).Append('}');
            else b.Append(Value(2));
            b.Append(',');
        }
        if (b[^1] == ',') b.Length--;
        if (_random.Next(10) > 0) b.Append('}');
        return b.ToString();
    }

    private string Value(int depth) => _random.Next(depth > 0 ? 12 : 9) switch
    {
        0 => "null",
        1 => Pick(new[] { "0", "-1", "1e400", "-1e400", "9223372036854775808", "0.0000001", "1.5", "100", "7", "NaN" }),
        2 => "\"" + Pick(new[] { "key", "token", "none", "local", "kubernetes", "no-such-model:1", "fz-model:latest", "FastProd", "primary", "" }) + "\"",
        3 => "\"" + RandomText(_random.Next(0, 20)).Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        4 => _random.Next(2) == 0 ? "true" : "false",
        5 => "\"" + new string('z', _random.Next(200, 5000)) + "\"",
        6 => _random.Next(1_000_000).ToString(CultureInfo.InvariantCulture),
        7 => "\"\\u0000\\ud800\"",
        8 => "[]",
        9 => "[" + Value(depth - 1) + "," + Value(depth - 1) + "]",
        10 => "{\"" + Pick(new[] { "blue", "maxBatchSize", "minInstances", "a" }) + "\":" + Value(depth - 1) + "}",
        _ => new string('[', 64) + new string(']', 64),
    };

    /// <summary>A <c>/score</c> body for a model taking float [batch, 4].</summary>
    public (string ContentType, byte[] Body) Score()
    {
        var contentType = _random.Next(5) == 0 ? Pick(ContentTypes) : "application/json";
        var body = _random.Next(8) switch
        {
            0 => JsonDocument(),
            1 => "{\"data\":" + Value(2) + "}",
            2 => "{\"data\":[[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 9)).Select(_ => Number())) + "]]}",
            3 => "{\"data\":" + new string('[', _random.Next(1, 200)) + "1" + new string(']', _random.Next(1, 200)) + "}",
            4 => "{\"data\":{\"" + Pick(new[] { "features", "x", "" }) + "\":[[1,2,3,4]]}}",
            5 => "{\"data\":[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 50)).Select(_ => "[0.1,0.2,0.3,0.4]")) + "]}",
            6 => Encoding.UTF8.GetString(RandomBytes(_random.Next(0, 256))),
            _ => "{\"data\":[[1,2,3,4]]," + "\"extra\":" + Value(1) + "}",
        };
        return (contentType, Encoding.UTF8.GetBytes(body));
    }

    private string Number() => Pick(new[] { "1", "-0", "1e400", "-1e39", "3.4e38", "\"NaN\"", "\"Infinity\"", "\"x\"", "null", "true", "1.0e-50", "123456789012345678901234567890" });

    /// <summary>A KServe v2 REST request: JSON, or the binary extension with an inconsistent header length.</summary>
    public (string ContentType, byte[] Body, string? HeaderLength) V2()
    {
        var shape = Shape();
        var input = "{\"name\":\"" + Pick(new[] { "features", "x", "", "features\\u0000" }) + "\",\"datatype\":\"" + Pick(Datatypes) + "\",\"shape\":[" + shape + "]";
        if (_random.Next(3) == 0)
        {
            var binary = RandomBytes(_random.Next(0, 64));
            var size = Pick(new[] { "-16", "16", "0", "9223372036854775807", binary.Length.ToString(CultureInfo.InvariantCulture), "1e3", "\"16\"" });
            var json = Encoding.UTF8.GetBytes("{\"inputs\":[" + input + ",\"parameters\":{\"binary_data_size\":" + size + "}}]}");
            var header = Pick(new[] { json.Length.ToString(CultureInfo.InvariantCulture), "-1", "0", "999999999", "abc", (json.Length + binary.Length + 1).ToString(CultureInfo.InvariantCulture) });
            return ("application/octet-stream", [.. json, .. binary], header);
        }
        var data = _random.Next(4) == 0 ? Value(2) : "[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 12)).Select(_ => Number())) + "]";
        return ("application/json", Encoding.UTF8.GetBytes("{\"inputs\":[" + input + ",\"data\":" + data + "}]" + (_random.Next(4) == 0 ? ",\"outputs\":[{\"name\":" + Value(0) + "}]" : "") + "}"), null);
    }

    public long[] ShapeValues() => Shape().Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(s => long.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : 1).ToArray();

    private string Shape() => string.Join(",", Enumerable.Range(0, _random.Next(0, 5)).Select(_ => Pick(new[]
    {
        "1", "2", "4", "0", "-1", "4611686018427387904", "9223372036854775807", "4294967296", "99999999999999999999999", "3",
    })));

    public string Datatype() => Pick(Datatypes);

    public byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string RandomText(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
            chars[i] = _random.Next(6) switch
            {
                0 => (char)_random.Next(0x20, 0x7f),
                1 => (char)_random.Next(0xa0, 0x2000),
                2 => Pick(new[] { '/', '\\', '.', '%', '?', '#', '"', '\'', '<', '>' }),
                _ => (char)_random.Next('a', 'z' + 1),
            };
        return new string(chars);
    }
}
