using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace ServiceDefaults.Http;

public static class ResilienceExtensions
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Microsoft.Extensions.Http.Resilience's standard pipeline (total and per-attempt timeouts, retries with
    /// exponential backoff and jitter, circuit breaker), with retries only for idempotent methods: a POST that timed
    /// out may have been applied, so repeating it could apply it twice. The scoring hot path does not come through
    /// here: the gateway keeps its own tuned node client.
    /// </summary>
    public static IHttpClientBuilder AddPlatformResilience(this IHttpClientBuilder builder)
    {
        builder.ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan); // the pipeline's total timeout rules
        builder.AddHttpMessageHandler(() => new TimeoutAsHttpClientReportsIt());
        builder.AddStandardResilienceHandler(options =>
        {
            options.TotalRequestTimeout.Timeout = TotalTimeout;
            options.AttemptTimeout.Timeout = AttemptTimeout;
            options.Retry.MaxRetryAttempts = 3;
            options.Retry.BackoffType = DelayBackoffType.Exponential;
            options.Retry.UseJitter = true;
            options.Retry.Delay = TimeSpan.FromMilliseconds(200);
            // PUT and DELETE are idempotent here (HTTP's rule, and ours): only these may not be repeated.
            options.Retry.DisableFor(HttpMethod.Post, HttpMethod.Patch, HttpMethod.Connect);
        });
        return builder;
    }

    /// <summary>
    /// Callers handle a timed-out call as HttpClient reports one (TaskCanceledException over a TimeoutException),
    /// not as a Polly type they would have to know about.
    /// </summary>
    private sealed class TimeoutAsHttpClientReportsIt : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutRejectedException e)
            {
                throw new TaskCanceledException($"The call did not answer within {e.Timeout.TotalSeconds:0.#} s.", new TimeoutException(e.Message, e));
            }
        }
    }
}
