using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Billing;
using AigneHub.Domain.Usage;
using Google.Protobuf.WellKnownTypes;

namespace AigneHub.Api.Grpc;

/// <summary>
/// Mapping between billing messages and the use cases' records. Amounts travel as decimal strings (invariant culture),
/// so nothing passes through floating point; a malformed one is a 400 naming its field.
/// </summary>
internal static class BillingMessages
{
    public static decimal Decimal(string value, string field) =>
        decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw Invalid(field, $"{field} must be a decimal number such as \"12.5\"");

    public static decimal? OptionalDecimal(bool has, string value, string field) => has ? Decimal(value, field) : null;

    /// <summary>Without trailing zeros ("0.39", not "0.390000"); credits keep at most 6 places, dollars 10, rates 12.</summary>
    public static string Text(decimal value) => value.ToString("0.############", CultureInfo.InvariantCulture);

    public static CallType CallType(string value, string field = "type") => value switch
    {
        "chat" => Domain.Usage.CallType.Chat,
        "embedding" => Domain.Usage.CallType.Embedding,
        "image" => Domain.Usage.CallType.Image,
        _ => throw Invalid(field, $"{field} must be chat, embedding or image"),
    };

    public static BillingMode Mode(string value) => value switch
    {
        "enterprise" => BillingMode.Enterprise,
        "credits" => BillingMode.Credits,
        _ => throw Invalid("mode", "mode must be enterprise or credits"),
    };

    public static Domain.Billing.Events.UnitCosts? UnitCosts(V1.UnitCosts? message) => message is null
        ? null
        : new Domain.Billing.Events.UnitCosts(
            Decimal(message.InputUsd, "unit_costs.input_usd"),
            Decimal(message.OutputUsd, "unit_costs.output_usd"),
            OptionalDecimal(message.HasCacheReadUsd, message.CacheReadUsd, "unit_costs.cache_read_usd"),
            OptionalDecimal(message.HasCacheWriteUsd, message.CacheWriteUsd, "unit_costs.cache_write_usd"));

    /// <summary>Who made a change: the authenticated caller, or (before authentication exists) the caller's address.</summary>
    public static string Actor(ServerCallContext context, ICallerContext caller) =>
        caller.Current?.UserId ?? "anonymous@" + (context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "unknown");

    public static V1.BillingSettings ToMessage(BillingSettingsView view) => ContractMapping.Map<V1.BillingSettings>(view);

    public static V1.ModelRate ToMessage(RateView view) => ContractMapping.Map<V1.ModelRate>(view);

    public static CreditBalance ToMessage(CreditBalanceView view) => ContractMapping.Map<CreditBalance>(view);

    public static CreditTransaction ToMessage(CreditTransactionView view) => ContractMapping.Map<CreditTransaction>(view);

    public static RequestValidationException Invalid(string field, string message) => new([new FieldViolation(field, message)]);
}
