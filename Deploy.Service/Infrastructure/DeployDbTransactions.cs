using System.Data;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Infrastructure;

internal static class DeployDbTransactions
{
    /// <summary>
    /// Runs <paramref name="work"/> in a transaction under the retrying execution strategy (the change tracker is cleared
    /// on every attempt, so a retry starts clean). Refusals return without saving; the transaction then commits nothing.
    /// </summary>
    public static Task<T> InTransactionAsync<T>(this DeployDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var result = await work(ct);
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);

    /// <summary>
    /// Runs several reads in one repeatable-read snapshot, so rows read one after another belong together: an endpoint's
    /// traffic split and its deployments never come from either side of a concurrent change.
    /// </summary>
    public static Task<T> InSnapshotAsync<T>(this DeployDbContext db, Func<CancellationToken, Task<T>> reads, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            var result = await reads(ct);
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);

    /// <summary>Locks an endpoint row so that concurrent changes to its deployments and traffic apply one after the other.</summary>
    public static async Task<EndpointEntity?> LockEndpointAsync(this DeployDbContext db, string name, CancellationToken cancellationToken) =>
        (await db.Endpoints.FromSql($"""SELECT * FROM endpoints WHERE "Name" = {name} FOR UPDATE""").ToListAsync(cancellationToken))
        .SingleOrDefault();

    /// <summary>
    /// Increments the routing version inside the caller's transaction; the row lock orders routing changes. Callers go
    /// through <c>RoutingEvents.RoutingChangedAsync</c>, which writes the RoutingChanged event to the outbox with it.
    /// </summary>
    public static async Task<long> BumpRoutingVersionAsync(this DeployDbContext db, CancellationToken cancellationToken) =>
        (await db.Database
            .SqlQuery<long>($"""UPDATE routing_state SET "Version" = "Version" + 1 WHERE "Id" = 1 RETURNING "Version" AS "Value" """)
            .ToListAsync(cancellationToken))
        .Single();
}
