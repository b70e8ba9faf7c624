using AigneHub.Application.Abstractions;
using AigneHub.Application.Access;
using AigneHub.Application.Access.Queries.GetUserInfo;
using AigneHub.Application.Billing;
using AigneHub.Application.Errors;
using AigneHub.Domain.Access;
using AigneHub.Domain.Billing;

namespace AigneHub.UnitTests.Application.Access;

/// <summary>What GET /api/user/info and Hub.GetUserInfo tell the caller about themselves, in each billing mode.</summary>
public sealed class GetUserInfoTests
{
    private static readonly Caller Member = new("user-7", UserRole.Member, "key-1", null, new HashSet<string> { "inference" });

    private static readonly UserView Stored = new("user-7", 3, "Ada Lovelace", "ada@example.com", UserRole.Member, null, [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static BillingSettingsView Settings(BillingMode mode, string prefix = "$", string? paymentLink = "https://pay.example/credits") =>
        new(mode, 1m, 2m, prefix, 0m, null, paymentLink, 100, 1, null);

    private static readonly CreditBalanceView Balance = new("user-7", 12.5m, 2.25m, 10.25m, 20m, 7.5m, 0m, "$", 4, null);

    [Fact]
    public void In_enterprise_mode_the_caller_has_no_credits_and_no_payment_link()
    {
        var info = GetUserInfoQueryHandler.Compose(Member, Stored, Settings(BillingMode.Enterprise), null);

        Assert.Equal(new UserInfoView("user-7", "Ada Lovelace", "ada@example.com", UserRole.Member, false, null, null, "$"), info);
    }

    [Fact]
    public void In_credits_mode_the_caller_sees_available_granted_and_held_credits_and_where_to_buy_more()
    {
        var info = GetUserInfoQueryHandler.Compose(Member, Stored, Settings(BillingMode.Credits), Balance);

        Assert.True(info.CreditsEnabled);
        Assert.Equal(new UserCredits(10.25m, 20m, 2.25m), info.Credits);
        Assert.Equal("https://pay.example/credits", info.PaymentLink);
        Assert.Equal("$", info.CurrencyPrefix);
    }

    [Fact]
    public void A_caller_without_a_user_record_is_named_by_their_user_id()
    {
        var info = GetUserInfoQueryHandler.Compose(Member with { Role = UserRole.Owner }, null, Settings(BillingMode.Enterprise), null);

        Assert.Equal("user-7", info.FullName);
        Assert.Null(info.Email);
        Assert.Equal(UserRole.Owner, info.Role);
    }

    [Fact]
    public void An_empty_currency_prefix_is_no_prefix_at_all()
    {
        var info = GetUserInfoQueryHandler.Compose(Member, Stored, Settings(BillingMode.Credits, prefix: string.Empty, paymentLink: null), Balance);

        Assert.Null(info.CurrencyPrefix);
        Assert.Null(info.PaymentLink);
    }

    [Fact]
    public async Task Nobody_authenticated_is_refused()
    {
        using var harness = new ApplicationHarness();
        harness.Callers.Current = null;

        await Assert.ThrowsAsync<UnauthenticatedException>(() => harness.Mediator.Send(new GetUserInfoQuery()).AsTask());
    }
}
