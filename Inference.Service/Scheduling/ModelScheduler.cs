using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Inference.Service.Diagnostics;
using Inference.Service.Models;
using Inference.Service.Runtime;

namespace Inference.Service.Scheduling;

/// <summary>
/// Admits requests for one model and runs them, like Triton's dynamic batcher: requests queue (bounded); one dispatcher
/// takes whatever is waiting (up to maxBatchSize rows, waiting at most maxQueueDelay for more when the queue runs dry),
/// stacks it along dimension 0 and hands it to a free executor, which runs once and splits the answers. There are as many
/// executors as the cores allow beside each Run's intra-op threads (Triton's instance count), so while batches compute
/// the next one forms. Without batching, requests run directly on the caller's thread, as many at a time as there are executors.
/// </summary>
public sealed class ModelScheduler : IAsyncDisposable
{
    private readonly string _model;
    private readonly ModelSession _session;
    private readonly ModelSettings _settings;
    private readonly InferenceMetrics _metrics;
    private readonly bool _batching;
    private readonly Channel<PendingRequest>? _queue;
    private readonly Task? _dispatcher;
    // Runs in flight: a batch the dispatcher formed, a request taking the idle fast path, or (without batching) a request.
    private readonly SemaphoreSlim _executor;
    private int _waiting;
    private int _computing;
    // A moving average of single-request Run times (Stopwatch ticks), and how many fed it: whether a Run is cheap
    // enough to do on an I/O thread (see MayRunOnThisThread).
    private long _runTicks;
    private int _runsMeasured;

    /// <summary>
    /// A Run measured at most this long (on average) may run on the thread that read the request, even when that is
    /// a socket engine's thread (the node's transport runs requests inline): it stalls that thread's other connections
    /// for no longer than a thread-pool hop would cost them. Longer or not yet measured runs go to the thread pool first.
    /// </summary>
    public static readonly TimeSpan InlineRunLimit = TimeSpan.FromMicroseconds(100);
    private static readonly long InlineRunLimitTicks = (long)(InlineRunLimit.TotalSeconds * Stopwatch.Frequency);

    public ModelScheduler(string model, ModelSession session, ModelSettings settings, InferenceMetrics metrics)
    {
        _model = model;
        _session = session;
        _settings = settings;
        _metrics = metrics;
        // Stacking along dim 0 is only sound when every input and output is batch-major.
        _batching = settings.MaxBatchSize > 1
            && session.Inputs.Count > 0
            && session.Inputs.All(i => i.IsTensor && i.HasDynamicBatchDimension)
            && session.Outputs.All(o => o.IsTensor && o.HasDynamicBatchDimension);
        _executor = new SemaphoreSlim(Concurrency, Concurrency);
        if (_batching)
        {
            _queue = Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true });
            _dispatcher = Task.Factory.StartNew(DispatchAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>Whether requests are merged into batches (batching asked for and the model is batch-major).</summary>
    public bool Batching => _batching;

    public int Queued => Volatile.Read(ref _waiting);
    public int Computing => Volatile.Read(ref _computing);

    // Runs at once: enough to keep the cores busy, not so many that intra-op pools fight.
    private int Concurrency => Math.Max(1, Environment.ProcessorCount / Math.Max(1, _settings.IntraOpThreads));

    public async Task<Tensor[]> InferAsync(Tensor[] inputs, IReadOnlyList<string>? outputs, CancellationToken cancellation)
    {
        if (Interlocked.Increment(ref _waiting) > _settings.MaxQueueSize)
        {
            Interlocked.Decrement(ref _waiting);
            throw new QueueFullException(_model, _settings.MaxQueueSize);
        }

        if (_batching)
        {
            // Idle (nothing queued, nothing computing) and told never to wait: run at once on this thread, skipping two
            // thread hops (batching must not cost latency at concurrency 1). Not while anything computes: a request
            // arriving then joins the batch forming behind that run instead of taking the other executor for itself,
            // which kept batches at about two requests under load (in process, MLP at c=32: 57k → 107k req/s).
            if (_settings.MaxQueueDelayMicroseconds == 0 && Volatile.Read(ref _waiting) == 1
                && _executor.CurrentCount == Concurrency && _executor.Wait(0))
            {
                try
                {
                    Interlocked.Decrement(ref _waiting);
                    _metrics.Queued(_model, TimeSpan.Zero);
                    if (!MayRunOnThisThread) await LeaveIoThread();
                    return Compute(inputs, outputs, 1, cancellation);
                }
                finally
                {
                    _executor.Release();
                }
            }

            var pending = new PendingRequest(inputs, outputs, cancellation);
            if (!_queue!.Writer.TryWrite(pending))
            {
                Interlocked.Decrement(ref _waiting);
                throw new ModelNotReadyException(_model, "it is being unloaded");
            }
            return await pending.Completion.Task.ConfigureAwait(false);
        }

        var enqueued = Stopwatch.GetTimestamp();
        try
        {
            await _executor.WaitAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        try
        {
            _metrics.Queued(_model, Stopwatch.GetElapsedTime(enqueued));
            if (!MayRunOnThisThread) await LeaveIoThread();
            return Compute(inputs, outputs, 1, cancellation);
        }
        finally
        {
            _executor.Release();
        }
    }

    /// <summary>
    /// Whether a Run may block the current thread: always on a thread-pool thread (the pool grows around blocked
    /// threads); on any other thread (a socket engine's, under the node's inline transport) only for a model whose
    /// runs were measured cheap.
    /// </summary>
    private bool MayRunOnThisThread =>
        Thread.CurrentThread.IsThreadPoolThread
        || (Volatile.Read(ref _runsMeasured) >= 8 && Volatile.Read(ref _runTicks) <= InlineRunLimitTicks);

    // Task.Yield on a thread without a synchronization context queues the rest of the method to the thread pool.
    private static YieldAwaitable LeaveIoThread() => Task.Yield();

    // The token reaches ORT: a caller who gives up mid-run stops the computation itself, not only its place in the queue.
    private Tensor[] Compute(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs, int batchSize, CancellationToken cancellation)
    {
        Interlocked.Increment(ref _computing);
        var started = Stopwatch.GetTimestamp();
        var completed = false;
        try
        {
            var results = _session.Run(inputs, outputs, cancellation);
            completed = true;
            if (batchSize == 1) MeasureRun(Stopwatch.GetTimestamp() - started);
            return results;
        }
        finally
        {
            _metrics.Computed(_model, Stopwatch.GetElapsedTime(started), batchSize, completed);
            Interlocked.Decrement(ref _computing);
        }
    }

    // An exponential moving average (1/8 weight) of single-request runs; races between threads only blur it.
    private void MeasureRun(long ticks)
    {
        var average = Volatile.Read(ref _runTicks);
        Volatile.Write(ref _runTicks, Volatile.Read(ref _runsMeasured) == 0 ? ticks : average + ((ticks - average) >> 3));
        if (Volatile.Read(ref _runsMeasured) < 8) Interlocked.Increment(ref _runsMeasured);
    }

    private async Task DispatchAsync()
    {
        var reader = _queue!.Reader;
        PendingRequest? carried = null;
        var delay = TimeSpan.FromMicroseconds(_settings.MaxQueueDelayMicroseconds);
        while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new List<PendingRequest>(Math.Min(_settings.MaxBatchSize, 64));
            long rows = 0;
            var first = carried ?? TakeLive(reader);
            carried = null;
            if (first is null) continue;
            batch.Add(first);
            rows = Math.Max(0, first.Rows);
            var closesAt = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);

            while (first.Rows >= 0 && rows < _settings.MaxBatchSize)
            {
                if (reader.TryRead(out var next))
                {
                    if (Expired(next)) continue;
                    if (first.CanJoin(next) && rows + next.Rows <= _settings.MaxBatchSize)
                    {
                        batch.Add(next);
                        rows += next.Rows;
                        continue;
                    }
                    carried = next;
                    break;
                }
                // Queue is dry: wait for company only if a delay is configured and time remains.
                var remaining = closesAt - Stopwatch.GetTimestamp();
                if (delay <= TimeSpan.Zero || remaining <= 0) break;
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
                try
                {
                    if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            // Wait for a free executor, then let the batch compute on its own thread while this loop forms the next one.
            await _executor.WaitAsync().ConfigureAwait(false);
            var formed = rows;
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                try
                {
                    Execute(batch, formed);
                }
                catch (Exception e)
                {
                    // Never let a failure escape onto the thread pool (it would end the process): its requests get it instead.
                    foreach (var request in batch) request.Completion.TrySetException(e);
                }
                finally
                {
                    _executor.Release();
                }
            }, null);
        }
    }

    private PendingRequest? TakeLive(ChannelReader<PendingRequest> reader)
    {
        while (reader.TryRead(out var item))
            if (!Expired(item)) return item;
        return null;
    }

    // A request whose caller gave up (deadline passed, connection closed) is dropped, not computed.
    private bool Expired(PendingRequest request)
    {
        if (!request.Cancellation.IsCancellationRequested) return false;
        Interlocked.Decrement(ref _waiting);
        request.Completion.TrySetCanceled(request.Cancellation);
        return true;
    }

    private void Execute(List<PendingRequest> batch, long rows)
    {
        // The wait for a free executor can outlast a deadline: whoever gave up meanwhile is dropped here, not computed.
        if (batch.RemoveAll(Expired) > 0)
        {
            if (batch.Count == 0) return;
            rows = batch.Sum(r => Math.Max(0, r.Rows));
        }
        Interlocked.Add(ref _waiting, -batch.Count);
        var now = Stopwatch.GetTimestamp();
        foreach (var request in batch) _metrics.Queued(_model, Stopwatch.GetElapsedTime(request.EnqueuedAt, now));

        if (batch.Count == 1)
        {
            RunAlone(batch[0]);
            return;
        }

        try
        {
            using var everyoneGaveUp = new BatchCancellation(batch);
            var outputs = Compute(BatchAssembler.Stack(batch, rows), batch[0].Outputs, batch.Count, everyoneGaveUp.Token);
            if (BatchAssembler.TrySplit(outputs, batch, rows, out var perRequest))
            {
                for (var r = 0; r < batch.Count; r++) batch[r].Completion.TrySetResult(perRequest[r]);
                return;
            }
        }
        catch (OperationCanceledException)
        {
            foreach (var request in batch) request.Completion.TrySetCanceled(request.Cancellation);
            return;
        }
        catch (OrtException)
        {
            // One bad request must not fail its neighbours: fall through and run each alone for its own answer or error.
        }
        foreach (var request in batch) RunAlone(request);
    }

    private void RunAlone(PendingRequest request)
    {
        try
        {
            request.Completion.TrySetResult(Compute(request.Inputs, request.Outputs, 1, request.Cancellation));
        }
        catch (Exception e)
        {
            request.Completion.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_queue is not null)
        {
            _queue.Writer.TryComplete();
            await _dispatcher!.ConfigureAwait(false);
        }
        // Every run (a batch, the idle fast path, an unbatched request) holds an executor until it has finished: once
        // all are ours, nothing uses the session any more and nothing new can start.
        var concurrency = Concurrency;
        for (var i = 0; i < concurrency; i++) await _executor.WaitAsync().ConfigureAwait(false);
    }
}
