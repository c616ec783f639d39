using System.IO.Compression;
using AppHost.Dashboard.Traces;
using Contracts.Otlp;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Tests;

/// <summary>The dashboard's OTLP/HTTP trace receiver and the bounded store behind its trace pages.</summary>
public sealed class TraceReceiverTests
{
    private static readonly byte[] TraceA = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
    private static readonly byte[] TraceB = Enumerable.Range(101, 16).Select(i => (byte)i).ToArray();

    private static Span NewSpan(byte[] trace, byte spanId, byte? parent, string name, long startMs, long endMs, bool error = false)
    {
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(trace),
            SpanId = ByteString.CopyFrom([0, 0, 0, 0, 0, 0, 0, spanId]),
            Name = name,
            Kind = parent is null ? Span.Types.SpanKind.Server : Span.Types.SpanKind.Client,
            StartTimeUnixNano = (ulong)startMs * 1_000_000,
            EndTimeUnixNano = (ulong)endMs * 1_000_000,
            Status = new SpanStatus { Code = error ? SpanStatus.Types.StatusCode.Error : SpanStatus.Types.StatusCode.Unset, Message = error ? "boom" : "" },
        };
        if (parent is { } p) span.ParentSpanId = ByteString.CopyFrom([0, 0, 0, 0, 0, 0, 0, p]);
        span.Attributes.Add(new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = error ? 500 : 200 } });
        return span;
    }

    private static ExportTraceServiceRequest Export(string service, params Span[] spans)
    {
        var resource = new Resource();
        resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } });
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "test" } };
        scope.Spans.AddRange(spans);
        var resourceSpans = new ResourceSpans { Resource = resource };
        resourceSpans.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        return request;
    }

    [Fact]
    public void Spans_of_several_services_form_one_trace_with_its_root_services_and_extent()
    {
        var store = new TraceStore();
        store.Add(Export("gateway", NewSpan(TraceA, 1, null, "POST /endpoints/{name}/score", 0, 10), NewSpan(TraceA, 2, 1, "POST", 1, 9)));
        store.Add(Export("inference", NewSpan(TraceA, 3, 2, "POST /v2/models/{model}/infer", 2, 8, error: true)));
        store.Add(Export("deploy", NewSpan(TraceB, 1, null, "GET /api/v1/endpoints", 20, 21)));

        var all = store.List(null, 10);
        Assert.Equal(2, all.Count);
        Assert.Equal("deploy", all[0].RootService); // newest first
        var a = all[1];
        Assert.Equal("gateway", a.RootService);
        Assert.Equal("POST /endpoints/{name}/score", a.RootName);
        Assert.Equal(["gateway", "inference"], a.Services);
        Assert.Equal(3, a.SpanCount);
        Assert.Equal(10, a.DurationMilliseconds, 3);
        Assert.True(a.HasError);
        Assert.Single(store.List("inference", 10));

        var spans = store.Get(Convert.ToHexStringLower(TraceA))!;
        Assert.Equal(["0000000000000001", "0000000000000002", "0000000000000003"], spans.Select(s => s.SpanId));
        Assert.Equal("0000000000000002", spans[2].ParentSpanId);
        Assert.Equal("Error", spans[2].Status);
        Assert.Equal("500", spans[2].Attributes["http.response.status_code"]);
        Assert.Null(store.Get("00000000000000000000000000000000"));
    }

    [Fact]
    public void The_oldest_traces_go_first_and_spans_without_valid_ids_are_refused()
    {
        var store = new TraceStore(maxTraces: 2, maxSpansPerTrace: 2);
        for (byte t = 1; t <= 3; t++)
            store.Add(Export("svc", NewSpan(Enumerable.Repeat(t, 16).ToArray(), 1, null, $"trace {t}", t, t + 1)));
        Assert.Equal(["trace 3", "trace 2"], store.List(null, 10).Select(t => t.RootName));

        var bad = NewSpan(TraceA, 1, null, "bad", 0, 1);
        bad.TraceId = ByteString.CopyFrom([1, 2, 3]);
        Assert.Equal(1, store.Add(Export("svc", bad)));
        var full = Enumerable.Repeat(3, 16).Select(b => (byte)b).ToArray();
        Assert.Equal(1, store.Add(Export("svc", NewSpan(full, 2, 1, "second", 3, 4), NewSpan(full, 3, 1, "third: over the limit", 3, 4))));
    }

    [Fact]
    public async Task The_receiver_takes_protobuf_plain_or_gzip_and_refuses_other_media_and_broken_bodies()
    {
        var store = new TraceStore();
        var bytes = Export("gateway", NewSpan(TraceA, 1, null, "root", 0, 1)).ToByteArray();

        var ok = await SendAsync(store, bytes, "application/x-protobuf");
        Assert.Equal(StatusCodes.Status200OK, ok.StatusCode);
        Assert.Equal("application/x-protobuf", ok.ContentType);
        Assert.Null(ExportTraceServiceResponse.Parser.ParseFrom(ok.Body).PartialSuccess);

        using var zipped = new MemoryStream();
        await using (var gzip = new GZipStream(zipped, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(Export("deploy", NewSpan(TraceB, 1, null, "zipped", 0, 1)).ToByteArray());
        Assert.Equal(StatusCodes.Status200OK, (await SendAsync(store, zipped.ToArray(), "application/x-protobuf", "gzip")).StatusCode);
        Assert.Equal(2, store.List(null, 10).Count);

        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, (await SendAsync(store, "{}"u8.ToArray(), "application/json")).StatusCode);
        Assert.Equal(StatusCodes.Status400BadRequest, (await SendAsync(store, [0xff, 0xff, 0xff], "application/x-protobuf")).StatusCode);
    }

    private static async Task<(int StatusCode, string? ContentType, byte[] Body)> SendAsync(TraceStore store, byte[] body, string contentType, string? encoding = null)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = "POST";
        context.Request.ContentType = contentType;
        if (encoding is not null) context.Request.Headers.ContentEncoding = encoding;
        context.Request.Body = new MemoryStream(body);
        var response = new MemoryStream();
        context.Response.Body = response;
        var result = await TracesApi.ReceiveAsync(context.Request, store, CancellationToken.None);
        await result.ExecuteAsync(context);
        return (context.Response.StatusCode, context.Response.ContentType, response.ToArray());
    }
}
