using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Billing.Rates.Commands.RepriceModelRates;
using AigneHub.Application.Billing.Rates.Commands.SetModelRate;
using AigneHub.Application.Billing.Rates.Commands.SetModelRateFromUnitCost;
using AigneHub.Application.Billing.Rates.Commands.SyncRateCatalogue;
using AigneHub.Application.Billing.Rates.Queries.GetModelRateHistory;
using AigneHub.Application.Billing.Rates.Queries.ListModelRates;
using AigneHub.Application.Billing.Settings.Commands.UpdateBillingSettings;
using AigneHub.Application.Billing.Settings.Queries.GetBillingSettings;
using static AigneHub.Api.Grpc.BillingMessages;

namespace AigneHub.Api.Grpc;

/// <summary>Billing settings and model rates over gRPC and /api/admin/billing, /api/admin/rates: map, send, map back.</summary>
[Identity.HubAccess(Domain.Access.KeyScopes.AdminWrite, AdminRole = true)]
internal sealed class BillingAdminService(IMediator mediator, ICallerContext caller) : BillingAdmin.BillingAdminBase
{
    [Identity.HubAccess(Domain.Access.KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<GetBillingSettingsResponse> GetBillingSettings(GetBillingSettingsRequest request, ServerCallContext context) =>
        new() { Settings = ToMessage(await mediator.Send(new GetBillingSettingsQuery(), context.CancellationToken)) };

    public override async Task<UpdateBillingSettingsResponse> UpdateBillingSettings(UpdateBillingSettingsRequest request, ServerCallContext context)
    {
        var values = new BillingSettingsValues(
            Mode(request.Mode),
            Decimal(request.BaseCreditPrice, "base_credit_price"),
            Decimal(request.ProfitMarginPercent, "profit_margin_percent"),
            request.CurrencyPrefix,
            string.IsNullOrEmpty(request.NewUserGrant) ? 0m : Decimal(request.NewUserGrant, "new_user_grant"),
            request.HasNewUserGrantExpiryDays ? request.NewUserGrantExpiryDays : null,
            request.HasPaymentLink && request.PaymentLink.Length > 0 ? request.PaymentLink : null,
            request.DefaultHoldTokens);
        var command = new UpdateBillingSettingsCommand(request.ExpectedVersion, values, Actor(context, caller));
        return new() { Settings = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    [Identity.HubAccess(Domain.Access.KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<ListModelRatesResponse> ListModelRates(ListModelRatesRequest request, ServerCallContext context)
    {
        var rates = await mediator.Send(new ListModelRatesQuery(request.HasProvider ? request.Provider : null), context.CancellationToken);
        var response = new ListModelRatesResponse();
        response.Rates.AddRange(rates.Select(ToMessage));
        return response;
    }

    [Identity.HubAccess(Domain.Access.KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<GetModelRateHistoryResponse> GetModelRateHistory(GetModelRateHistoryRequest request, ServerCallContext context)
    {
        var versions = await mediator.Send(new GetModelRateHistoryQuery(CallType(request.Type), request.Provider, request.Model), context.CancellationToken);
        var response = new GetModelRateHistoryResponse();
        response.Versions.AddRange(versions.Select(ToMessage));
        return response;
    }

    public override async Task<SetModelRateResponse> SetModelRate(SetModelRateRequest request, ServerCallContext context)
    {
        var values = new RateValues(
            Decimal(request.InputRate, "input_rate"),
            Decimal(request.OutputRate, "output_rate"),
            OptionalDecimal(request.HasCacheReadRate, request.CacheReadRate, "cache_read_rate"),
            OptionalDecimal(request.HasCacheWriteRate, request.CacheWriteRate, "cache_write_rate"),
            UnitCosts(request.UnitCosts),
            request.Deprecated);
        var command = new SetModelRateCommand(CallType(request.Type), request.Provider, request.Model, values, Actor(context, caller));
        return new() { Rate = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<SetModelRateFromUnitCostResponse> SetModelRateFromUnitCost(SetModelRateFromUnitCostRequest request, ServerCallContext context)
    {
        var costs = UnitCosts(request.UnitCosts)
            ?? throw new RequestValidationException([new FieldViolation("unit_costs", "unit_costs is required")]);
        var command = new SetModelRateFromUnitCostCommand(CallType(request.Type), request.Provider, request.Model, costs, request.Deprecated, Actor(context, caller));
        return new() { Rate = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<RepriceModelRatesResponse> RepriceModelRates(RepriceModelRatesRequest request, ServerCallContext context)
    {
        var command = new RepriceModelRatesCommand(
            OptionalDecimal(request.HasProfitMarginPercent, request.ProfitMarginPercent, "profit_margin_percent"),
            OptionalDecimal(request.HasBaseCreditPrice, request.BaseCreditPrice, "base_credit_price"),
            request.DryRun,
            request.ExpectedSettingsVersion,
            Actor(context, caller));
        var report = await mediator.Send(command, context.CancellationToken);
        var response = new RepriceModelRatesResponse { DryRun = report.DryRun, Settings = ToMessage(report.Settings) };
        response.Changes.AddRange(report.Changes.Select(c => new RateChange { Before = c.Before is null ? null : ToMessage(c.Before), After = ToMessage(c.After) }));
        return response;
    }

    public override async Task<SyncModelRatesResponse> SyncModelRates(SyncModelRatesRequest request, ServerCallContext context)
    {
        var report = await mediator.Send(new SyncRateCatalogueCommand(request.DryRun, Actor(context, caller)), context.CancellationToken);
        var response = new SyncModelRatesResponse { DryRun = report.DryRun, Source = report.Source, Unchanged = report.Unchanged };
        response.Changes.AddRange(report.Changes.Select(c => new RateChange { Before = c.Before is null ? null : ToMessage(c.Before), After = ToMessage(c.After) }));
        response.Skipped.AddRange(report.Skipped);
        return response;
    }
}
