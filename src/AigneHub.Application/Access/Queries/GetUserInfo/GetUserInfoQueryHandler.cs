namespace AigneHub.Application.Access.Queries.GetUserInfo;

internal sealed class GetUserInfoQueryHandler(IDocumentStore store, ICallerContext callers) : IQueryHandler<GetUserInfoQuery, UserInfoView>
{
    public async ValueTask<UserInfoView> Handle(GetUserInfoQuery query, CancellationToken cancellationToken)
    {
        var caller = callers.Current ?? throw new UnauthenticatedException("Send an access key (or sign in) to see who you are.");
        await using var session = store.QuerySession();
        var user = await session.LoadAsync<HubUser>(caller.UserId, cancellationToken);
        var settings = BillingSettingsView.From(await BillingStreams.LoadSettingsAsync(session, cancellationToken));
        var balance = settings.Mode == BillingMode.Credits
            ? CreditBalanceView.From(caller.UserId, await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(caller.UserId), cancellationToken), settings.CurrencyPrefix)
            : null;
        return Compose(caller, user is null ? null : UserView.From(user), settings, balance);
    }

    /// <summary>The caller's user record (when the hub has one), the billing settings and (credits mode) the balance, as one answer.</summary>
    internal static UserInfoView Compose(Caller caller, UserView? user, BillingSettingsView settings, CreditBalanceView? balance)
    {
        var credits = settings.Mode == BillingMode.Credits;
        return new UserInfoView(
            caller.UserId,
            user?.DisplayName ?? caller.UserId,
            user?.Email,
            caller.Role,
            credits,
            credits && balance is not null ? new UserCredits(balance.Available, balance.TotalGranted, balance.Held) : null,
            credits ? settings.PaymentLink : null,
            settings.CurrencyPrefix is { Length: > 0 } prefix ? prefix : null);
    }
}
