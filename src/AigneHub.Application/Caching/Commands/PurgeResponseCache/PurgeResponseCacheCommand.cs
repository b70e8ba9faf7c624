using AigneHub.Application.Audit;

namespace AigneHub.Application.Caching.Commands.PurgeResponseCache;

/// <summary>
/// Delete cached answers: those of one cache scope ("user:&lt;id&gt;", "app:&lt;id&gt;", "hub") and/or one model
/// ("provider/model"), or all when neither is given. Answers how many went. Audited.
/// </summary>
public sealed record PurgeResponseCacheCommand(string? Scope, string? Model, string By) : ICommand<int>, IAuditedCommand
{
    public string AuditTarget => $"cache:{Scope ?? "*"} {Model ?? "*"}";
}
