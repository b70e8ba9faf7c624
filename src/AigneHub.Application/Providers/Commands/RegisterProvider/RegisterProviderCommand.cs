namespace AigneHub.Application.Providers.Commands.RegisterProvider;

/// <param name="Actor">Who asks (an admin's id; "system" for the hub itself): recorded on the event.</param>
public sealed record RegisterProviderCommand(string Provider, string? DisplayName, string? BaseUrl, string? Region, string Actor)
    : ICommand<ProviderView>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";
}
