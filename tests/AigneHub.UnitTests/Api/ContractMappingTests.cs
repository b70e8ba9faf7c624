using AigneHub.Api.Grpc;
using AigneHub.Application.Access;
using AigneHub.Application.Billing;
using AigneHub.Application.Billing.Credits.Queries.ListCreditTransactions;
using AigneHub.Application.Providers;
using AigneHub.Domain.Access;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Providers;
using AigneHub.Domain.Usage;
using Google.Protobuf;
using Mapster;
using V1 = AigneHub.Api.Grpc.V1;

namespace AigneHub.UnitTests.Api;

public sealed class ContractMappingTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 1, 2, 3, TimeSpan.Zero);

    [Fact]
    public void Every_contract_mapping_is_declared_and_fills_every_field_of_its_message()
    {
        var config = ContractMapping.Create();

        Assert.True(config.RequireExplicitMapping);
        Assert.True(config.RequireDestinationMemberSource);
        config.Compile();
    }

    [Fact]
    public void A_message_field_without_a_source_is_refused_when_the_configuration_is_compiled()
    {
        // The same rules on a pair that leaves Provider_ unmapped: the check the configuration relies on must bite.
        var config = new TypeAdapterConfig { RequireExplicitMapping = true, RequireDestinationMemberSource = true };
        config.NewConfig<ProviderView, V1.Provider>();

        Assert.ThrowsAny<Exception>(() => config.Compile());
    }

    [Fact]
    public void A_pair_that_was_not_declared_is_refused()
    {
        Assert.ThrowsAny<Exception>(() => ContractMapping.Map<V1.Team>(new UserView("u", 1, "U", null, UserRole.Member, null, [], At, At)));
    }

    [Fact]
    public void A_call_record_keeps_optional_fields_unset_when_absent_and_writes_amounts_as_decimal_strings()
    {
        var record = new CallRecord
        {
            Id = Guid.Parse("0b9e0d86-6a32-4a4b-9d2a-5ad3a9b0d001"),
            RequestId = "req-1",
            Provider = "openai",
            Model = "gpt-4o",
            CallType = CallType.Chat,
            Streamed = true,
            PromptTokens = 10,
            CompletionTokens = 5,
            LatencyMs = 12.34567,
            TtfbMs = 1.23456,
            Status = CallStatus.Failed,
            ErrorKind = ErrorKind.UpstreamAuth,
            StartedAt = At,
            CreditsCharged = 0.390000m,
            Cache = CacheOutcome.Hit,
            Metadata = new Dictionary<string, string> { ["team"] = "a" },
            SkippedModels = [new ModelSkip("m2", ModelSkip.NotAllowed)],
        };

        var message = UsageService.ToMessage(record);

        Assert.Equal("0b9e0d86-6a32-4a4b-9d2a-5ad3a9b0d001", message.Id);
        Assert.Equal("chat", message.CallType);
        Assert.Equal("failed", message.Status);
        Assert.Equal("upstream_auth", message.ErrorKind);
        Assert.Equal(15, message.TotalTokens);
        Assert.Equal(12.346, message.LatencyMs);
        Assert.Equal(1.235, message.TtfbMs);
        Assert.False(message.HasProviderTtfbMs);
        Assert.Equal("0.39", message.CreditsCharged);
        Assert.False(message.HasCostUsd);
        Assert.False(message.HasUserId);
        Assert.False(message.HasAppId);
        Assert.False(message.HasRateVersion);
        Assert.Equal("hit", message.Cache);
        Assert.Equal("a", message.Metadata["team"]);
        Assert.Equal(("m2", "not_allowed"), (message.SkippedModels.Single().Model, message.SkippedModels.Single().Reason));
        Assert.Equal(At, message.StartedAt.ToDateTimeOffset());
    }

    [Fact]
    public void A_successful_call_has_an_empty_error_kind()
    {
        var record = new CallRecord
        {
            Id = Guid.NewGuid(), RequestId = "r", Provider = "p", Model = "m", CallType = CallType.Image, Streamed = false,
            PromptTokens = 0, CompletionTokens = 0, LatencyMs = 1, Status = CallStatus.Succeeded, ErrorKind = ErrorKind.None, StartedAt = At,
        };

        var message = UsageService.ToMessage(record);

        Assert.Equal(string.Empty, message.ErrorKind);
        Assert.False(message.HasTtfbMs);
        Assert.Empty(message.Metadata);
        Assert.Empty(message.SkippedModels);
    }

    [Fact]
    public void A_provider_is_written_with_its_credentials_kinds_as_wire_names()
    {
        var credential = new CredentialView(
            Guid.Parse("0b9e0d86-6a32-4a4b-9d2a-5ad3a9b0d002"), "main", CredentialKind.AccessKeyPair, 3, "AKIA****", "AKIA1", false, "rotated", 401, At, null, true, null);
        var view = new ProviderView("bedrock", "Bedrock", null, "us-east-1", true, null, 4, At, At, [credential]);

        var json = JsonFormatter.Default.Format(ContractMapping.Map<V1.Provider>(view));

        Assert.Equal(
            """{ "provider": "bedrock", "display_name": "Bedrock", "region": "us-east-1", "enabled": true, "version": 4, "registered_at": "2026-12-07T01:02:03Z", "updated_at": "2026-12-07T01:02:03Z", "credentials": [ { "id": "0b9e0d86-6a32-4a4b-9d2a-5ad3a9b0d002", "name": "main", "kind": "access_key_pair", "weight": 3, "masked_secret": "AKIA****", "access_key_id": "AKIA1", "disabled_reason": "rotated", "disabled_by_status": 401, "added_at": "2026-12-07T01:02:03Z", "last_test_ok": true } ] }""",
            json);
    }

    [Fact]
    public void An_access_key_lists_its_scopes_and_leaves_absent_times_unset()
    {
        var view = new AccessKeyView("k1", 2, "u1", null, "ci", ["inference"], ["gpt-4o"], [], null, At, null, null, At, RequestsPerMinute: 60);

        var message = AccessMapping.ToMessage(view);

        Assert.Equal(["inference"], message.Scopes);
        Assert.Equal(["gpt-4o"], message.Models);
        Assert.Equal("ahk_k1_****", message.Masked);
        Assert.Null(message.ExpiresAt);
        Assert.Null(message.RevokedAt);
        Assert.Equal(At, message.LastUsedAt.ToDateTimeOffset());
        Assert.Equal(60, message.RequestsPerMinute);
        Assert.False(message.HasTokensPerMinute);
        Assert.False(message.HasAppId);
    }

    [Fact]
    public void A_user_is_written_with_a_lower_case_role_and_its_apps()
    {
        var view = new UserView("u1", 1, "Ada", "ada@example.com", UserRole.Admin, null, [new HubApp("app1", "App", At)], At, At);

        var message = AccessMapping.ToMessage(view);

        Assert.Equal("admin", message.Role);
        Assert.Equal("ada@example.com", message.Email);
        Assert.False(message.HasSubject);
        Assert.Equal("app1", message.Apps.Single().AppId);
        Assert.Null(message.DisabledAt);
        Assert.False(message.HasDisabledReason);
    }

    [Fact]
    public void A_disabled_user_is_written_with_when_and_why()
    {
        var view = new UserView("u1", 2, "Ada", null, UserRole.Member, null, [], At, At, At, "left the company");

        var message = AccessMapping.ToMessage(view);

        Assert.Equal(At, message.DisabledAt.ToDateTimeOffset());
        Assert.Equal("left the company", message.DisabledReason);
    }

    [Fact]
    public void A_rate_writes_its_unit_costs_and_leaves_absent_cache_rates_unset()
    {
        var view = new RateView("r1", "openai", "gpt-4o", CallType.Embedding, 2.5m, 10.00m, null, 0.5m, new UnitCosts(1.25m, 5m, CacheReadUsd: 0.125m), false, "admin", 3, At);

        var message = BillingMessages.ToMessage(view);

        Assert.Equal("embedding", message.Type);
        Assert.Equal("10", message.OutputRate);
        Assert.False(message.HasCacheReadRate);
        Assert.Equal("0.5", message.CacheWriteRate);
        Assert.Equal(("1.25", "5", "0.125"), (message.UnitCosts.InputUsd, message.UnitCosts.OutputUsd, message.UnitCosts.CacheReadUsd));
        Assert.False(message.UnitCosts.HasCacheWriteUsd);
    }

    [Fact]
    public void Billing_settings_write_the_mode_as_its_wire_name()
    {
        var view = new BillingSettingsView(BillingMode.Credits, 0.001m, 20m, "$", 5m, null, null, 4096, 2, null);

        var message = BillingMessages.ToMessage(view);

        Assert.Equal("credits", message.Mode);
        Assert.Equal("0.001", message.BaseCreditPrice);
        Assert.False(message.HasNewUserGrantExpiryDays);
        Assert.Null(message.UpdatedAt);
    }

    [Fact]
    public void A_ledger_page_says_where_the_next_page_starts_only_when_there_is_one()
    {
        var entry = new CreditTransactionView(7, "captured", -0.25m, -1m, "call-1", null, null, "r1", 2, At);

        var last = ContractMapping.Map<V1.ListMyCreditTransactionsResponse>(new CreditTransactionPage([entry], null));
        var more = ContractMapping.Map<V1.ListCreditTransactionsResponse>(new CreditTransactionPage([entry], 7));

        Assert.False(last.HasNextBeforeVersion);
        Assert.Equal(7, more.NextBeforeVersion);
        Assert.Equal(("captured", "-0.25", "-1", "call-1", 2), (last.Transactions[0].Kind, last.Transactions[0].BalanceChange, last.Transactions[0].HeldChange, last.Transactions[0].CallId, last.Transactions[0].RateVersion));
        Assert.False(last.Transactions[0].HasSource);
    }
}
