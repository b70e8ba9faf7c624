using System.ComponentModel.DataAnnotations;
using AigneHub.Api.Hosting;

namespace AigneHub.UnitTests.Api.Hosting;

public sealed class BrowserOriginsOptionsTests
{
    [Fact]
    public void No_origin_is_allowed_by_default()
    {
        var options = new BrowserOriginsOptions();

        Assert.False(options.Enabled);
        Assert.Empty(Validate(options));
    }

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("http://localhost:5173")]
    [InlineData("*")]
    public void Origins_and_the_wildcard_are_accepted(string origin)
    {
        Assert.Empty(Validate(new BrowserOriginsOptions { AllowedOrigins = [origin] }));
    }

    [Theory]
    [InlineData("https://app.example.com/")]
    [InlineData("https://app.example.com/chat")]
    [InlineData("app.example.com")]
    [InlineData("ftp://app.example.com")]
    [InlineData("https://*.example.com")]
    public void What_is_not_an_origin_is_refused_naming_it(string origin)
    {
        var failure = Assert.Single(Validate(new BrowserOriginsOptions { AllowedOrigins = [origin] }));

        Assert.Contains(origin, failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Cors:AllowedOrigins", failure.ErrorMessage, StringComparison.Ordinal);
    }

    private static List<ValidationResult> Validate(BrowserOriginsOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
