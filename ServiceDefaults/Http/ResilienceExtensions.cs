using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ServiceDefaults.Http;

public static class ResilienceExtensions
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Timeouts for every call, retries with exponential backoff and jitter only for idempotent methods:
    /// a POST that timed out may have been applied, so repeating it could apply it twice.
    /// (Microsoft.Extensions.Http.Resilience is not obtainable here; this is the same idea on Polly.Core.)
    /// </summary>
    public static IHttpClientBuilder AddStandardResilience(this IHttpClientBuilder builder)
    {
        builder.ConfigureHttpClient(c => c.Timeout = TotalTimeout);
        builder.AddHttpMessageHandler(() => new ResilienceHandler(CreatePipeline()));
        return builder;
    }

    public static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options ||
        method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Trace;

    internal static ResiliencePipeline<HttpResponseMessage> CreatePipeline() =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldHandle = args => ValueTask.FromResult(
                    args.Context.Properties.TryGetValue(ResilienceHandler.IdempotentKey, out var idempotent) && idempotent &&
                    args.Outcome switch
                    {
                        { Exception: HttpRequestException or TimeoutRejectedException } => true,
                        { Result: { } r } => (int)r.StatusCode is 408 or 429 or >= 500 and not 501 and not 505,
                        _ => false,
                    }),
            })
            .AddTimeout(AttemptTimeout)
            .Build();
}

internal sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    public static readonly ResiliencePropertyKey<bool> IdempotentKey = new("http.idempotent");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(IdempotentKey, ResilienceExtensions.IsIdempotent(request.Method));
        try
        {
            return await pipeline.ExecuteAsync(
                static async (ctx, state) =>
                {
                    var (handler, req) = state;
                    return await handler.SendCoreAsync(req, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                (this, request)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            // Callers handle a timed-out call as HttpClient reports one (TaskCanceledException over a TimeoutException),
            // not as a Polly type they would have to know about.
            throw new TaskCanceledException($"The call did not answer within {ResilienceExtensions.AttemptTimeout.TotalSeconds:0.#} s (per attempt).",
                new TimeoutException(e.Message, e));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);
}
