using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Google;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Providers.Google;

public sealed class GeminiAdapterRegistrationTests
{
    [Fact]
    public void Registration_adds_one_gemini_adapter_however_often_it_runs()
    {
        var services = new ServiceCollection().AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddGeminiAdapter();
        services.AddGeminiAdapter();
        using var provider = services.BuildServiceProvider(validateScopes: true);

        var adapter = Assert.Single(provider.GetServices<IChatAdapter>());

        Assert.Equal("google-gemini", adapter.Protocol);
        Assert.Same(adapter, provider.GetServices<IChatAdapter>().Single());
    }

    [Fact]
    public void Default_limits_are_100_seconds_for_an_answer_and_60_seconds_of_stream_silence()
    {
        var options = new GeminiAdapterOptions();

        Assert.Equal(100, options.TimeoutSeconds);
        Assert.Equal(60, options.StreamIdleTimeoutSeconds);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(0, 60, "TimeoutSeconds")]
    [InlineData(3601, 60, "TimeoutSeconds")]
    [InlineData(100, 0, "StreamIdleTimeoutSeconds")]
    public void Limits_out_of_range_fail_validation(int timeout, int idle, string named)
    {
        var services = new ServiceCollection().AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddGeminiAdapter();
        services.Configure<GeminiAdapterOptions>(o =>
        {
            o.TimeoutSeconds = timeout;
            o.StreamIdleTimeoutSeconds = idle;
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GeminiAdapterOptions>>().Value);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
