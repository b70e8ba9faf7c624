namespace AigneHub.Application.Providers.Commands.UpdateProvider;

/// <summary>Changes where the provider is reached: its base URL (null = the provider's public default) and region.</summary>
/// <param name="By">Who asks: only an owner moves the base URL of a provider that holds credentials.</param>
public sealed record UpdateProviderCommand(string Provider, int ExpectedVersion, string? BaseUrl, string? Region, string Actor, Caller By)
    : ICommand<ProviderView>, IProviderChange, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";
}
