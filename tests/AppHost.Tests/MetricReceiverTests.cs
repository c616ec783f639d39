using AppHost.Dashboard.Metrics;
using Contracts.Otlp;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Tests;

/// <summary>The dashboard's OTLP/HTTP metrics receiver and the store behind its metrics table.</summary>
public sealed class MetricReceiverTests
{
    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static ExportMetricsServiceRequest Export(string service, params Metric[] metrics)
    {
        var resource = new Resource();
        resource.Attributes.Add(Attribute("service.name", service));
        resource.Attributes.Add(Attribute("service.instance.id", service + "-0"));
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "Platform.Test" } };
        scope.Metrics.AddRange(metrics);
        var resourceMetrics = new ResourceMetrics { Resource = resource };
        resourceMetrics.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(resourceMetrics);
        return request;
    }

    private static Metric Counter(string name, long value, AggregationTemporality temporality = AggregationTemporality.Cumulative, string model = "m")
    {
        var point = new NumberDataPoint { AsInt = value, TimeUnixNano = 1 };
        point.Attributes.Add(Attribute("model", model));
        var sum = new Sum { IsMonotonic = true, AggregationTemporality = temporality };
        sum.DataPoints.Add(point);
        return new Metric { Name = name, Unit = "{request}", Sum = sum };
    }

    private static Metric Durations(params (double Bound, ulong Count)[] buckets)
    {
        // 10 values: 4 in (0, 1], 4 in (1, 2], 2 in (2, 4]; nothing above.
        var point = new HistogramDataPoint { Count = (ulong)buckets.Sum(b => (long)b.Count), Sum = 17, Max = 3.5, TimeUnixNano = 1 };
        point.ExplicitBounds.AddRange(buckets.Select(b => b.Bound).Where(b => !double.IsPositiveInfinity(b)));
        point.BucketCounts.AddRange(buckets.Select(b => b.Count));
        var histogram = new Histogram { AggregationTemporality = AggregationTemporality.Cumulative };
        histogram.DataPoints.Add(point);
        return new Metric { Name = "platform.inference.request.duration", Unit = "ms", Histogram = histogram };
    }

    [Fact]
    public void Counters_keep_their_latest_cumulative_value_add_deltas_and_histograms_give_mean_and_percentiles()
    {
        var store = new MetricStore();
        store.Add(Export("inference", Counter("platform.inference.requests", 5), Durations((1, 4), (2, 4), (4, 2), (double.PositiveInfinity, 0))));
        store.Add(Export("inference", Counter("platform.inference.requests", 9)));
        store.Add(Export("gateway", Counter("gateway.requests", 3, AggregationTemporality.Delta), Counter("gateway.requests", 2, AggregationTemporality.Delta)));

        var requests = store.List("inference", "requests").Single();
        Assert.Equal(9, requests.Value);
        Assert.Equal("counter", requests.Kind);
        Assert.Equal("m", requests.Attributes["model"]);
        Assert.Equal("inference-0", requests.Instance);
        Assert.Equal(5, store.List("gateway", null).Single().Value);

        var durations = store.List(null, "duration").Single();
        Assert.Equal(10, durations.Count);
        Assert.Equal(1.7, durations.Mean!.Value, 6);
        Assert.Equal(1.25, durations.P50!.Value, 6); // rank 5: the first of 4 in (1, 2]
        Assert.Equal(3.9, durations.P99!.Value, 6); // rank 9.9: 95 % into (2, 4]
        Assert.Equal(3, store.List(null, null).Count);
    }

    [Fact]
    public void New_series_beyond_the_limit_are_refused_and_the_receiver_says_how_many()
    {
        var store = new MetricStore(maxSeries: 1);
        Assert.Equal(0, store.Add(Export("svc", Counter("a", 1))));
        Assert.Equal(1, store.Add(Export("svc", Counter("a", 2, model: "other"))));
        Assert.Equal(0, store.Add(Export("svc", Counter("a", 3))));
        Assert.Equal(3, store.List(null, null).Single().Value);
    }

    [Fact]
    public async Task The_receiver_answers_an_otlp_response_and_refuses_json()
    {
        var store = new MetricStore();
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.ContentType = "application/x-protobuf";
        context.Request.Body = new MemoryStream(Export("svc", Counter("a", 1)).ToByteArray());
        var body = new MemoryStream();
        context.Response.Body = body;
        await (await MetricsApi.ReceiveAsync(context.Request, store, CancellationToken.None)).ExecuteAsync(context);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Null(ExportMetricsServiceResponse.Parser.ParseFrom(body.ToArray()).PartialSuccess);
        Assert.Single(store.List(null, null));

        var json = new DefaultHttpContext { RequestServices = context.RequestServices };
        json.Request.ContentType = "application/json";
        json.Response.Body = new MemoryStream();
        await (await MetricsApi.ReceiveAsync(json.Request, store, CancellationToken.None)).ExecuteAsync(json);
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, json.Response.StatusCode);
    }
}
