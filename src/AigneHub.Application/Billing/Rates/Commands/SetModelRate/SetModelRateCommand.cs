namespace AigneHub.Application.Billing.Rates.Commands.SetModelRate;

/// <summary>Sets a model's rate directly; a new version when anything changed.</summary>
public sealed record SetModelRateCommand(CallType Type, string Provider, string Model, RateValues Values, string Actor) : ICommand<RateView>, IAuditedCommand
{
    public string AuditTarget => ModelRate.StreamIdFor(Type, Provider, Model);
}
