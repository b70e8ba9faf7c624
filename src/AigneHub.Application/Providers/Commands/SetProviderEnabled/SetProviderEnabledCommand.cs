namespace AigneHub.Application.Providers.Commands.SetProviderEnabled;

/// <summary>Takes a provider out of routing (or back in) without forgetting its credentials.</summary>
public sealed record SetProviderEnabledCommand(string Provider, int ExpectedVersion, bool Enabled, string? Reason, string Actor) : ICommand<ProviderView>, IProviderChange, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";
}
