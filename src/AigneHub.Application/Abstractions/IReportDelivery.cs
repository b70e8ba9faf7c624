namespace AigneHub.Application.Abstractions;

/// <summary>Hands a generated hub report to its configured destination (a webhook), if any; never loses the stored report.</summary>
public interface IReportDelivery
{
    Task DeliverAsync(string reportId, CancellationToken cancellationToken);
}
