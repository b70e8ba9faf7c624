using AigneHub.Domain.Providers;
using AigneHub.Domain.Providers.Events;

namespace AigneHub.UnitTests.Domain.Providers;

public sealed class CredentialRecheckTests
{
    private static readonly DateTimeOffset DisabledAt = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static readonly CredentialRecheck.Backoff Backoff = CredentialRecheck.Backoff.Default;

    private static readonly Guid Id = Guid.Parse("0193a000-0000-7000-8000-000000000001");

    private static ProviderConfig WithCredential()
    {
        var config = ProviderConfig.Create(ProviderDecisions.Register(null, new NewProvider("deepseek", "DeepSeek", null, null), "admin", DisabledAt.AddDays(-1)));
        config.Apply(ProviderDecisions.AddCredential(
            config, new NewCredential(Id, "main", CredentialKind.ApiKey, 10, EncryptedSecretFixture.Create(), "sk-a****wxyz", null), "admin", DisabledAt.AddDays(-1)));
        return config;
    }

    private static ProviderConfig RefusedBySystem(int status = 401)
    {
        var config = WithCredential();
        config.Apply(new CredentialDisabled(Id, "the upstream refused the credential", status, CredentialRecheck.SystemActor, DisabledAt));
        return config;
    }

    private static void FailRecheck(ProviderConfig config, DateTimeOffset at) =>
        config.Apply(ProviderDecisions.RecordTest(config, new CredentialTestOutcome(Id, Ok: false, 401, "refused"), CredentialRecheck.SystemActor, at));

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(5, 32)]
    [InlineData(6, 60)]
    [InlineData(40, 60)]
    public void The_wait_doubles_per_failed_check_and_is_capped_at_an_hour(int failedChecks, int minutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(minutes), Backoff.After(failedChecks));
    }

    [Fact]
    public void A_refused_credential_is_first_rechecked_one_minute_after_it_was_disabled()
    {
        var credential = RefusedBySystem().Credential(Id)!;

        Assert.False(CredentialRecheck.IsDue(credential, Backoff, DisabledAt.AddSeconds(59)));
        Assert.True(CredentialRecheck.IsDue(credential, Backoff, DisabledAt.AddMinutes(1)));
    }

    [Fact]
    public void Each_failed_recheck_doubles_the_wait_from_that_check()
    {
        var config = RefusedBySystem(403);
        var firstCheck = DisabledAt.AddMinutes(1);
        FailRecheck(config, firstCheck);
        var secondCheck = firstCheck.AddMinutes(2);
        FailRecheck(config, secondCheck);

        var credential = config.Credential(Id)!;
        Assert.Equal(2, credential.FailedRechecks);
        Assert.Equal(secondCheck.AddMinutes(4), CredentialRecheck.DueAt(credential, Backoff));
        Assert.False(CredentialRecheck.IsDue(credential, Backoff, secondCheck.AddMinutes(4).AddSeconds(-1)));
        Assert.True(CredentialRecheck.IsDue(credential, Backoff, secondCheck.AddMinutes(4)));
    }

    [Fact]
    public void A_credential_an_operator_disabled_is_never_rechecked()
    {
        var config = WithCredential();
        config.Apply(new CredentialDisabled(Id, "rotating it", null, "admin", DisabledAt));

        Assert.False(CredentialRecheck.IsRevivable(config.Credential(Id)!));
        Assert.Null(CredentialRecheck.DueAt(config.Credential(Id)!, Backoff));
    }

    [Fact]
    public void A_credential_disabled_for_another_status_or_still_enabled_is_not_rechecked()
    {
        Assert.False(CredentialRecheck.IsRevivable(RefusedBySystem(500).Credential(Id)!));
        Assert.False(CredentialRecheck.IsRevivable(WithCredential().Credential(Id)!));
    }

    [Fact]
    public void Checks_from_before_it_was_disabled_do_not_count()
    {
        var config = WithCredential();
        config.Apply(ProviderDecisions.RecordTest(config, new CredentialTestOutcome(Id, Ok: false, 401, "refused"), "admin", DisabledAt.AddMinutes(-5)));
        config.Apply(new CredentialDisabled(Id, "refused", 401, CredentialRecheck.SystemActor, DisabledAt));

        var credential = config.Credential(Id)!;
        Assert.Equal(0, credential.FailedRechecks);
        Assert.Equal(DisabledAt.AddMinutes(1), CredentialRecheck.DueAt(credential, Backoff));
    }

    [Fact]
    public void Reenabling_resets_the_backoff_and_a_test_shows_on_the_credential()
    {
        var config = RefusedBySystem();
        FailRecheck(config, DisabledAt.AddMinutes(1));
        config.Apply(ProviderDecisions.RecordTest(config, new CredentialTestOutcome(Id, Ok: true, 200, "ignored when it passed"), CredentialRecheck.SystemActor, DisabledAt.AddMinutes(3)));
        foreach (var e in ProviderDecisions.EnableCredential(config, Id, CredentialRecheck.SystemActor, DisabledAt.AddMinutes(3)))
        {
            config.Apply((CredentialReEnabled)e);
        }

        var credential = config.Credential(Id)!;
        Assert.True(credential.Enabled);
        Assert.Equal((0, true, (string?)null, DisabledAt.AddMinutes(3)), (credential.FailedRechecks, credential.LastTestOk, credential.LastError, credential.LastTestedAt));
        Assert.Null(credential.DisabledBy);
    }

    [Fact]
    public void A_failed_test_of_an_enabled_credential_shows_its_error_without_counting_as_a_recheck()
    {
        var config = WithCredential();
        config.Apply(ProviderDecisions.RecordTest(config, new CredentialTestOutcome(Id, Ok: false, 401, "The deepseek provider refused the credential (HTTP 401)."), "admin", DisabledAt));

        var credential = config.Credential(Id)!;
        Assert.Equal((false, "The deepseek provider refused the credential (HTTP 401).", 0), (credential.LastTestOk, credential.LastError, credential.FailedRechecks));
    }
}
