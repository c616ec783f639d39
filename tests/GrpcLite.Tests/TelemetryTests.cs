using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using GrpcLite.Tests.Infrastructure;
using GrpcLite.Tests.V1;

namespace GrpcLite.Tests;

public sealed class TelemetryTests(EchoServer server) : IClassFixture<EchoServer>
{
    [Fact]
    public async Task Client_and_server_activities_share_the_trace_and_carry_rpc_attributes()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Platform.Grpc" or "grpclite.tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("grpclite.tests");

        ActivityTraceId traceId;
        using (var parent = source.StartActivity("test call")!)
        {
            traceId = parent.TraceId;
            var error = await Assert.ThrowsAsync<RpcException>(() => GrpcChannel.ForAddress(server.Address).UnaryAsync<EchoRequest, EchoReply>(
                "/grpclite.test.v1.Echo/Unary", new EchoRequest { FailCode = (int)StatusCode.AlreadyExists, FailMessage = "exists" }));
            Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        }

        // The server activity stops after its response is written, a moment after the client saw it.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!stopped.Any(a => a.Kind == ActivityKind.Server && a.TraceId == traceId) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        var client = Assert.Single(stopped, a => a.Kind == ActivityKind.Client && a.TraceId == traceId && a.Source.Name == "Platform.Grpc");
        var serverActivity = Assert.Single(stopped, a => a.Kind == ActivityKind.Server && a.TraceId == traceId && a.Source.Name == "Platform.Grpc");
        foreach (var activity in new[] { client, serverActivity })
        {
            Assert.Equal("grpc", activity.GetTagItem("rpc.system"));
            Assert.Equal("grpclite.test.v1.Echo", activity.GetTagItem("rpc.service"));
            Assert.Equal("Unary", activity.GetTagItem("rpc.method"));
            Assert.Equal((int)StatusCode.AlreadyExists, activity.GetTagItem("rpc.grpc.status_code"));
            Assert.Equal(ActivityStatusCode.Error, activity.Status);
        }
    }

    [Fact]
    public async Task Call_durations_are_recorded_for_client_and_server()
    {
        var measurements = new ConcurrentBag<(string Instrument, string? Method, int? Code)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Platform.Grpc")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            string? method = null;
            int? code = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "rpc.method") method = tag.Value as string;
                if (tag.Key == "rpc.grpc.status_code") code = tag.Value as int?;
            }
            measurements.Add((instrument.Name, method, code));
        });
        listener.Start();

        await foreach (var _ in GrpcChannel.ForAddress(server.Address).ServerStreaming<EchoRequest, EchoReply>(
            "/grpclite.test.v1.Echo/ServerStream", new EchoRequest { Count = 2 }))
        {
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!measurements.Any(m => m.Instrument == "rpc.server.call.duration" && m.Method == "ServerStream") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Contains(("rpc.client.call.duration", "ServerStream", 0), measurements);
        Assert.Contains(("rpc.server.call.duration", "ServerStream", 0), measurements);
    }
}
