using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing.Rates.Commands.SetModelRateFromUnitCost;

/// <summary>Prices a model from what the provider charges: rate = unit cost × (1 + margin/100) ÷ base credit price.</summary>
public sealed record SetModelRateFromUnitCostCommand(CallType Type, string Provider, string Model, UnitCosts UnitCosts, bool Deprecated, string Actor)
    : ICommand<RateView>, IAuditedCommand
{
    public string AuditTarget => ModelRate.StreamIdFor(Type, Provider, Model);
}
