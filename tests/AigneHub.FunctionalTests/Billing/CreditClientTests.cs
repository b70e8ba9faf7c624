using AigneHub.FunctionalTests.Clients;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>The official `openai` npm client against the hub in credits mode: its 402 error for a caller without credit.</summary>
[Collection(BillingCollection.Name)]
public sealed class CreditClientTests(BillingFixture hub)
{
    [Fact]
    public async Task Official_openai_npm_client_gets_a_402_insufficient_quota_error()
    {
        var run = await NodeSuites.RunAsync("openai", ["openai-sdk-credits.test.mjs"], new Dictionary<string, string>
        {
            ["HUB_URL"] = hub.Rest.BaseAddress!.ToString().TrimEnd('/'),
            ["HUB_API_KEY"] = TestAccess.OwnerKey,
            ["HUB_TEST_USER"] = "sdk-broke",
        });

        Assert.True(run.ExitCode == 0, "openai-sdk-credits.test.mjs failed:\n" + run.Output);
        Assert.Contains("fail 0", run.Output);
    }

    [Fact]
    public async Task Official_aigne_hub_client_gets_the_not_enough_error_with_the_payment_link()
    {
        // The fixture's owner key pays for its own calls here, and the owner was never granted credit.
        var run = await NodeSuites.RunAsync(Path.Combine("@aigne", "aigne-hub"), ["aigne-hub-credits.test.mjs"], new Dictionary<string, string>
        {
            ["HUB_URL"] = hub.Rest.BaseAddress!.ToString().TrimEnd('/'),
            ["HUB_API_KEY"] = TestAccess.OwnerKey,
        });

        Assert.True(run.ExitCode == 0, "aigne-hub-credits.test.mjs failed:\n" + run.Output);
        Assert.Contains("fail 0", run.Output);
    }
}
