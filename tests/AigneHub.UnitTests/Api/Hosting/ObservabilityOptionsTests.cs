using System.ComponentModel.DataAnnotations;
using AigneHub.Api.Hosting;

namespace AigneHub.UnitTests.Api.Hosting;

public sealed class ObservabilityOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(Validate(new ObservabilityOptions()));
    }

    [Theory]
    [InlineData("metrics", null, "simple", "PrometheusPath")]
    [InlineData("/metrics", "localhost:4317", "simple", "OtlpEndpoint")]
    [InlineData("/metrics", "ftp://collector:4317", "simple", "OtlpEndpoint")]
    [InlineData("/metrics", null, "xml", "LogFormat")]
    public void Mistaken_setting_is_refused_naming_the_key(string path, string? otlp, string format, string key)
    {
        var errors = Validate(new ObservabilityOptions { PrometheusPath = path, OtlpEndpoint = otlp, LogFormat = format });

        var error = Assert.Single(errors);
        Assert.Contains($"Observability:{key}", error.ErrorMessage, StringComparison.Ordinal);
    }

    private static List<ValidationResult> Validate(ObservabilityOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
