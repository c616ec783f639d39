using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Http;

namespace ServiceDefaults.Tests;

public class ResilienceTests
{
    /// <summary>Answers with a fixed status and counts how often it was asked.</summary>
    private sealed class CountingHandler(HttpStatusCode status) : HttpMessageHandler
    {
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(new HttpResponseMessage(status));
        }
    }

    /// <summary>A client configured as every service's clients are, with <paramref name="inner"/> in place of the network.</summary>
    private static HttpClient ClientOver(HttpMessageHandler inner)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("test", c => c.BaseAddress = new Uri("http://127.0.0.1:1/"))
            .AddPlatformResilience()
            .ConfigurePrimaryHttpMessageHandler(() => inner);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("test");
    }

    private static (HttpClient Client, CountingHandler Inner) ClientAnswering(HttpStatusCode status)
    {
        var inner = new CountingHandler(status);
        return (ClientOver(inner), inner);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Idempotent_calls_are_retried_on_server_errors(string method)
    {
        var (client, inner) = ClientAnswering(HttpStatusCode.ServiceUnavailable);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(4, inner.Calls);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public async Task Non_idempotent_calls_are_sent_once(string method)
    {
        var (client, inner) = ClientAnswering(HttpStatusCode.ServiceUnavailable);

        await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "x"));

        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        var (client, inner) = ClientAnswering(HttpStatusCode.BadRequest);

        await client.GetAsync("x");

        Assert.Equal(1, inner.Calls);
    }

    /// <summary>Never answers until cancelled.</summary>
    private sealed class SilentHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    [Fact]
    public async Task A_call_that_outlasts_its_attempt_timeout_fails_as_an_HttpClient_timeout_does()
    {
        // POST: sent once, so the test waits one attempt timeout (10 s), not four.
        using var client = ClientOver(new SilentHandler());

        var error = await Assert.ThrowsAsync<TaskCanceledException>(() => client.PostAsync("x", null));

        Assert.IsType<TimeoutException>(error.InnerException);
    }
}
