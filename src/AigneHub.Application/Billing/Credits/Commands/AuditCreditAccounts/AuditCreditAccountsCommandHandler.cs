using System.Globalization;
using System.Text.Json;

namespace AigneHub.Application.Billing.Credits.Commands.AuditCreditAccounts;

internal sealed class AuditCreditAccountsCommandHandler(IDocumentStore store) : ICommandHandler<AuditCreditAccountsCommand, AuditReport>
{
    public async ValueTask<AuditReport> Handle(AuditCreditAccountsCommand command, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        IReadOnlyList<(string StreamId, CreditAccount? Projected)> accounts = command.UserId is { } userId
            ? [(CreditAccount.StreamIdFor(userId), await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(userId), cancellationToken))]
            : (await session.Query<CreditAccount>().OrderBy(a => a.Id).ToListAsync(cancellationToken)).Select(a => (a.Id, (CreditAccount?)a)).ToArray();

        var mismatches = new List<AuditMismatch>();
        var uncollected = new List<UncollectedCredits>();
        foreach (var (streamId, projected) in accounts)
        {
            if (projected is { TotalUncollected: > 0 })
            {
                uncollected.Add(new UncollectedCredits(projected.UserId, projected.TotalUncollected));
            }

            var replayed = await session.Events.AggregateStreamAsync<CreditAccount>(streamId, token: cancellationToken);
            if (replayed is null && projected is null)
            {
                continue;
            }

            var projectedFigures = projected is null ? null : Figures(projected);
            var replayedFigures = replayed is null ? "no events" : Figures(replayed);
            if (projectedFigures != replayedFigures)
            {
                mismatches.Add(new AuditMismatch(projected?.UserId ?? replayed?.UserId ?? streamId, projectedFigures, replayedFigures));
            }
        }

        return new AuditReport(accounts.Count, mismatches, uncollected);
    }

    /// <summary>Everything the balance depends on, in one comparable line: the figures, every hold and lease, every grant's remainder.</summary>
    private static string Figures(CreditAccount a) => string.Create(
        CultureInfo.InvariantCulture,
        $"version={a.Version}, balance={a.Balance}, held={a.Held}, granted={a.TotalGranted}, spent={a.TotalSpent}, expired={a.TotalExpired}, uncollected={a.TotalUncollected}, " +
        $"holds={JsonSerializer.Serialize(a.Holds.OrderBy(h => h.CallId, StringComparer.Ordinal))}, " +
        $"leases={JsonSerializer.Serialize(a.Leases.OrderBy(l => l.LeaseId, StringComparer.Ordinal))}, " +
        $"grants={JsonSerializer.Serialize(a.Grants.OrderBy(g => g.GrantId))}");
}
