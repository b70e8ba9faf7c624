using System.Text.Json;
using AigneHub.Domain.Models;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Billing;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Infrastructure.Billing;

public sealed class RateCatalogueReaderTests
{
    private static RateCatalogueReader Reader(string? source = null) =>
        new(new NoHttp(), Options.Create(new RateCatalogueOptions { Source = source }));

    [Fact]
    public async Task The_shipped_catalogue_prices_models_of_all_ten_providers()
    {
        var rates = await Reader().ReadAsync(CancellationToken.None);

        var providers = rates.Select(r => r.Provider).ToHashSet();
        Assert.Equal(ProviderNames.All.Where(p => p != ProviderNames.Demo).Order(), providers.Order());
        var mini = rates.Single(r => r.Provider == "openai" && r.Model == "gpt-4o-mini");
        Assert.Equal((0.00000015m, 0.0000006m, (decimal?)0.000000075m), (mini.UnitCosts.InputUsd, mini.UnitCosts.OutputUsd, mini.UnitCosts.CacheReadUsd));
        Assert.Equal(0.04m, rates.Single(r => r.Type == CallType.Image).UnitCosts.OutputUsd);
    }

    [Fact]
    public async Task A_catalogue_file_replaces_the_shipped_one()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, """{"models":[{"provider":"xai","model":"grok-9","type":"chat","input_per_million":1.5,"output_per_million":3}]}""");
        try
        {
            var rate = Assert.Single(await Reader(path).ReadAsync(CancellationToken.None));

            Assert.Equal(("xai", "grok-9", 0.0000015m, 0.000003m), (rate.Provider, rate.Model, rate.UnitCosts.InputUsd, rate.UnitCosts.OutputUsd));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"models":[{"provider":"xai","model":"m","type":"video","input_per_million":1}]}""", "type")]
    [InlineData("""{"models":[{"provider":"xai","model":"m","type":"chat","input_per_million":-1}]}""", "input_per_million")]
    [InlineData("""{"items":[]}""", "models")]
    public void A_malformed_catalogue_says_what_is_wrong(string json, string mentioned)
    {
        using var document = JsonDocument.Parse(json);

        var error = Assert.Throws<InvalidDataException>(() => RateCatalogueReader.Parse(document.RootElement));

        Assert.Contains(mentioned, error.Message);
    }

    private sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new NotSupportedException();
    }
}
