using System.Globalization;
using System.Text.Json;
using AigneHub.Api.Errors;
using AigneHub.Api.Rest.OpenAI;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Access.Queries.GetUser;
using AigneHub.Application.Billing.Credits.Queries.GetCreditBalance;
using AigneHub.Application.Billing.Settings.Queries.GetBillingSettings;
using AigneHub.Domain.Billing;
using Mediator;

namespace AigneHub.Api.Rest.Aigne;

/// <summary>
/// <c>GET /api/user/info</c>, what the AIGNE CLI shows for <c>aigne hub status</c>: the caller, and in credits mode
/// their balance, the payment link and the currency prefix (<c>creditBalance: null</c>, <c>enableCredit: false</c> in
/// enterprise mode). Balances are decimal strings, as everywhere else in the hub's billing answers.
/// </summary>
internal sealed class AigneUserInfoEndpoint(IMediator mediator, ICallerContext callers, TimeProvider time)
{
    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            // The authentication step has run (the route is not anonymous), so a caller exists.
            var caller = callers.Current ?? throw new InvalidOperationException("GET /api/user/info ran without an authenticated caller.");
            var user = await mediator.Send(new GetUserQuery(caller.UserId), context.RequestAborted);
            var settings = await mediator.Send(new GetBillingSettingsQuery(), context.RequestAborted);
            var credits = settings.Mode == BillingMode.Credits;
            var balance = credits ? await mediator.Send(new GetCreditBalanceQuery(caller.UserId), context.RequestAborted) : null;

            context.Response.ContentType = "application/json";
            await using (var json = new Utf8JsonWriter(context.Response.BodyWriter, OpenAIErrorBody.WriterOptions))
            {
                json.WriteStartObject();
                json.WriteStartObject("user");
                json.WriteString("did", caller.UserId);
                json.WriteString("fullName", user?.DisplayName ?? caller.UserId);
                if (user?.Email is { } email)
                {
                    json.WriteString("email", email);
                }

                json.WriteString("role", caller.Role.ToString().ToLowerInvariant());
                json.WriteEndObject();
                if (balance is not null)
                {
                    json.WriteStartObject("creditBalance");
                    json.WriteString("balance", Text(balance.Available));
                    json.WriteString("total", Text(balance.TotalGranted));
                    json.WriteString("pendingCredit", Text(balance.Held));
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("creditBalance");
                }

                if (credits && settings.PaymentLink is { } link)
                {
                    json.WriteString("paymentLink", link);
                }
                else
                {
                    json.WriteNull("paymentLink");
                }

                json.WriteBoolean("enableCredit", credits);
                if (settings.CurrencyPrefix is { Length: > 0 } prefix)
                {
                    // An empty prefix breaks the AIGNE client's schema ("$", "€", "¥" or absent).
                    json.WriteString("creditPrefix", prefix);
                }

                json.WriteEndObject();
            }

            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            await AigneErrorBody.WriteResponseAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier), time);
        }
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
