using AigneHub.Application.Errors;
using AigneHub.Application.Models;
using AigneHub.Application.Models.Queries.ListModelCatalogue;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application.Models;

/// <summary>The model catalogue (GET /api/ai/models and Hub.ListModelCatalogue): the type filter, rates and display names.</summary>
public sealed class ListModelCatalogueTests
{
    private static readonly ModelDescriptor[] Models =
    [
        new("openrouter/openai/gpt-4o", "openrouter", DateTimeOffset.UnixEpoch, ModelKind.Chat),
        new("demo/image", "demo", DateTimeOffset.UnixEpoch, ModelKind.Image),
        new("demo/echo", "demo", DateTimeOffset.UnixEpoch, ModelKind.Chat),
        new("openai/text-embedding-3-small", "openai", DateTimeOffset.UnixEpoch, ModelKind.Embedding),
    ];

    private static readonly Dictionary<(CallType, string, string), (decimal, decimal)> NoRates = [];

    private static readonly Dictionary<string, string> NoRegistrations = [];

    [Fact]
    public void Every_model_is_listed_by_provider_and_model_with_the_id_the_provider_knows()
    {
        var entries = ListModelCatalogueQueryHandler.Join(Models, NoRates, NoRegistrations, null);

        Assert.Equal(
            ["demo echo", "demo image", "openai text-embedding-3-small", "openrouter openai/gpt-4o"],
            entries.Select(e => $"{e.Provider} {e.Model}"));
        Assert.All(entries, e => Assert.True(e.Available));
    }

    [Theory]
    [InlineData(ListModelCatalogueQuery.Chat, "echo,openai/gpt-4o")]
    [InlineData(ListModelCatalogueQuery.Image, "image")]
    [InlineData(ListModelCatalogueQuery.Embedding, "text-embedding-3-small")]
    public void A_type_keeps_only_models_of_that_kind(string type, string expected)
    {
        var entries = ListModelCatalogueQueryHandler.Join(Models, NoRates, NoRegistrations, new ListModelCatalogueQuery(type).Kind);

        Assert.Equal(expected, string.Join(",", entries.Select(e => e.Model)));
        Assert.All(entries, e => Assert.Equal(type, ListModelCatalogueQuery.TypeOf(e.Kind)));
    }

    [Fact]
    public void Each_model_shows_the_rate_of_its_own_call_type_and_zero_without_one()
    {
        var rates = new Dictionary<(CallType, string, string), (decimal, decimal)>
        {
            [(CallType.Chat, "demo", "echo")] = (0.25m, 1.5m),
            // Priced as an image, not as a chat: the catalogue must not take it for demo/image's chat rate.
            [(CallType.Chat, "demo", "image")] = (9m, 9m),
            [(CallType.Image, "demo", "image")] = (0m, 40m),
            [(CallType.Chat, "openrouter", "openai/gpt-4o")] = (0.003m, 0.012m),
        };

        var entries = ListModelCatalogueQueryHandler.Join(Models, rates, NoRegistrations, null).ToDictionary(e => e.Model);

        Assert.Equal((0.25m, 1.5m), (entries["echo"].InputRate, entries["echo"].OutputRate));
        Assert.Equal((0m, 40m), (entries["image"].InputRate, entries["image"].OutputRate));
        Assert.Equal((0.003m, 0.012m), (entries["openai/gpt-4o"].InputRate, entries["openai/gpt-4o"].OutputRate));
        Assert.Equal((0m, 0m), (entries["text-embedding-3-small"].InputRate, entries["text-embedding-3-small"].OutputRate));
        // "0", as the AIGNE client reads a model without a rate.
        Assert.Equal("0", entries["text-embedding-3-small"].InputRate.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_registered_providers_own_display_name_wins_over_the_well_known_one()
    {
        var registered = new Dictionary<string, string> { ["openrouter"] = "Our OpenRouter", ["openai"] = "openai", ["demo"] = " " };

        var entries = ListModelCatalogueQueryHandler.Join(Models, NoRates, registered, null).ToDictionary(e => e.Model);

        Assert.Equal("Our OpenRouter", entries["openai/gpt-4o"].ProviderDisplayName);
        // A name that only repeats the provider's id, or is blank, says nothing: the well-known name is shown.
        Assert.Equal("OpenAI", entries["text-embedding-3-small"].ProviderDisplayName);
        Assert.NotEqual(" ", entries["echo"].ProviderDisplayName);
    }

    [Theory]
    [InlineData("audio", "'audio' is not one of ['chat', 'image', 'embedding']")]
    [InlineData("Chat", "'Chat' is not one of ['chat', 'image', 'embedding']")]
    public async Task An_unknown_type_is_refused_naming_the_type_field(string type, string message)
    {
        using var harness = new ApplicationHarness();

        var refused = await Assert.ThrowsAsync<RequestValidationException>(() => harness.Mediator.Send(new ListModelCatalogueQuery(type)).AsTask());

        var violation = Assert.Single(refused.Violations);
        Assert.Equal("type", violation.Field);
        Assert.Equal(message, violation.Description);
    }

    [Fact]
    public async Task A_very_long_type_is_quoted_only_in_part()
    {
        using var harness = new ApplicationHarness();

        var refused = await Assert.ThrowsAsync<RequestValidationException>(() => harness.Mediator.Send(new ListModelCatalogueQuery(new string('x', 500))).AsTask());

        Assert.Equal($"'{new string('x', 64)}' is not one of ['chat', 'image', 'embedding']", refused.Message);
    }
}
