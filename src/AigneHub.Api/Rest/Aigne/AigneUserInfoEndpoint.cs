using AigneHub.Application.Access.Queries.GetUserInfo;

namespace AigneHub.Api.Rest.Aigne;

/// <summary>
/// <c>GET /api/user/info</c>, what the AIGNE CLI shows for <c>aigne hub status</c>: the caller, and in credits mode
/// their balance, the payment link and the currency prefix (<c>creditBalance: null</c>, <c>enableCredit: false</c> in
/// enterprise mode). Balances are decimal strings, as everywhere else in the hub's billing answers.
/// </summary>
internal sealed class AigneUserInfoEndpoint(IMediator mediator, TimeProvider time)
{
    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            var info = await mediator.Send(new GetUserInfoQuery(), context.RequestAborted);

            context.Response.ContentType = "application/json";
            await using (var json = new Utf8JsonWriter(context.Response.BodyWriter, OpenAIErrorBody.WriterOptions))
            {
                json.WriteStartObject();
                json.WriteStartObject("user");
                json.WriteString("did", info.UserId);
                json.WriteString("fullName", info.FullName);
                if (info.Email is { } email)
                {
                    json.WriteString("email", email);
                }

                json.WriteString("role", Grpc.AccessMapping.RoleName(info.Role));
                json.WriteEndObject();
                if (info.Credits is { } credits)
                {
                    json.WriteStartObject("creditBalance");
                    json.WriteString("balance", Text(credits.Available));
                    json.WriteString("total", Text(credits.TotalGranted));
                    json.WriteString("pendingCredit", Text(credits.Held));
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("creditBalance");
                }

                if (info.PaymentLink is { } link)
                {
                    json.WriteString("paymentLink", link);
                }
                else
                {
                    json.WriteNull("paymentLink");
                }

                json.WriteBoolean("enableCredit", info.CreditsEnabled);
                if (info.CurrencyPrefix is { } prefix)
                {
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
