using System.Runtime.CompilerServices;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Media;
using AigneHub.Infrastructure.Providers.Registered;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AigneHub.UnitTests.Providers.Registered;

/// <summary>Credential rotation and failover inside one registered provider, against a scripted adapter.</summary>
public sealed class RegisteredChatProviderTests
{
    private static readonly Guid Heavy = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid Light = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly ProviderChatRequest Request = new("model-x", [new ChatMessage(ChatRole.User, "hi")], ChatSettings.Default);

    private readonly ManualClock _time = new(DateTimeOffset.UnixEpoch);
    private readonly ScriptedAdapter _adapter = new();
    private readonly CredentialDisabler _disabler = new(new ServiceCollection().BuildServiceProvider(), NullLogger<CredentialDisabler>.Instance);
    private readonly CredentialHealth _health;
    private readonly RoutedChatProvider _provider;

    public RegisteredChatProviderTests()
    {
        _health = new CredentialHealth(_time);
        _provider = RoutedChatProvider.Registered(_adapter, new CredentialRotation(
            "openrouter",
            new Uri("http://127.0.0.1:1/v1"),
            null,
            [(ProviderCredential.ForApiKey(Heavy.ToString(), "key-heavy"), 3), (ProviderCredential.ForApiKey(Light.ToString(), "key-light"), 1)],
            _health,
            _disabler));
    }

    [Theory]
    [InlineData(ErrorKind.UpstreamRateLimited)]
    [InlineData(ErrorKind.UpstreamUnavailable)]
    [InlineData(ErrorKind.UpstreamTimeout)]
    [InlineData(ErrorKind.UpstreamAuth)]
    public async Task A_retryable_failure_moves_the_call_to_the_next_credential(ErrorKind kind)
    {
        _adapter.FailFor["key-heavy"] = kind;

        var completion = await _provider.CompleteAsync(Request, CancellationToken.None);

        Assert.Equal("answer with key-light", completion.Value.Content);
        Assert.Equal(Light.ToString(), completion.CredentialId);
        Assert.Equal(["key-heavy", "key-light"], _adapter.Calls);
    }

    [Fact]
    public async Task A_rejected_request_is_not_retried_on_another_credential()
    {
        _adapter.FailFor["key-heavy"] = ErrorKind.UpstreamRejected;

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => _provider.CompleteAsync(Request, CancellationToken.None));

        Assert.Equal(Heavy.ToString(), failure.CredentialId);
        Assert.Equal(["key-heavy"], _adapter.Calls);
    }

    [Fact]
    public async Task A_refused_credential_leaves_the_rotation_at_once_and_is_queued_for_disabling()
    {
        _adapter.FailFor["key-heavy"] = ErrorKind.UpstreamAuth;

        for (var i = 0; i < 5; i++)
        {
            await _provider.CompleteAsync(Request, CancellationToken.None);
        }

        Assert.Equal(1, _adapter.Calls.Count(c => c == "key-heavy"));
        Assert.Equal(1, _disabler.Pending);
    }

    [Fact]
    public async Task A_rate_limited_credential_gets_a_smaller_share_until_its_cool_down_ends()
    {
        _adapter.FailFor["key-heavy"] = ErrorKind.UpstreamRateLimited;
        await _provider.CompleteAsync(Request, CancellationToken.None);
        _adapter.FailFor.Clear();
        _adapter.Calls.Clear();

        for (var i = 0; i < 40; i++)
        {
            await _provider.CompleteAsync(Request, CancellationToken.None);
        }

        // Weight 3 cools to max(1, 3/4) = 1: an even split with the light credential instead of 3:1.
        Assert.Equal(20, _adapter.Calls.Count(c => c == "key-heavy"));

        _time.Advance(CredentialHealth.DefaultCoolDown + TimeSpan.FromSeconds(1));
        _adapter.Calls.Clear();
        for (var i = 0; i < 40; i++)
        {
            await _provider.CompleteAsync(Request, CancellationToken.None);
        }

        Assert.Equal(30, _adapter.Calls.Count(c => c == "key-heavy"));
        Assert.Equal(0, _disabler.Pending);
    }

    [Fact]
    public async Task Credentials_share_calls_by_weight()
    {
        for (var i = 0; i < 400; i++)
        {
            await _provider.CompleteAsync(Request, CancellationToken.None);
        }

        Assert.Equal(300, _adapter.Calls.Count(c => c == "key-heavy"));
    }

    [Fact]
    public async Task A_stream_failing_before_its_first_update_moves_to_the_next_credential()
    {
        _adapter.FailFor["key-heavy"] = ErrorKind.UpstreamUnavailable;

        var updates = await _provider.StreamAsync(Request, CancellationToken.None).ToListAsync();

        Assert.Equal("answer with key-light", string.Concat(updates.Select(u => u.Value.ContentDelta)));
        Assert.All(updates, u => Assert.Equal(Light.ToString(), u.CredentialId));
    }

    [Fact]
    public async Task A_stream_failing_after_its_first_update_is_not_retried()
    {
        _adapter.FailMidStreamFor.Add("key-heavy");

        var received = new List<string?>();
        await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in _provider.StreamAsync(Request, CancellationToken.None))
            {
                received.Add(update.Value.ContentDelta);
            }
        });

        Assert.Equal(["answer "], received);
        Assert.Equal(["key-heavy"], _adapter.Calls);
    }

    [Fact]
    public async Task With_every_credential_refused_the_call_fails_with_a_clear_error()
    {
        _adapter.FailFor["key-heavy"] = ErrorKind.UpstreamAuth;
        _adapter.FailFor["key-light"] = ErrorKind.UpstreamAuth;
        await Assert.ThrowsAsync<UpstreamException>(() => _provider.CompleteAsync(Request, CancellationToken.None));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _provider.CompleteAsync(Request, CancellationToken.None));

        Assert.Contains("no usable credential", error.Message);
        Assert.Equal(2, _adapter.Calls.Count);
    }

    private sealed class ScriptedAdapter : IChatAdapter
    {
        public Dictionary<string, ErrorKind> FailFor { get; } = [];

        public HashSet<string> FailMidStreamFor { get; } = [];

        public List<string> Calls { get; } = [];

        public string Protocol => "scripted";

        public Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
        {
            var key = target.Credential.ApiKey!;
            Calls.Add(key);
            return FailFor.TryGetValue(key, out var kind)
                ? Task.FromException<ChatCompletion>(Failure(kind, target.Provider))
                : Task.FromResult(new ChatCompletion("id", DateTimeOffset.UnixEpoch, "openrouter/model-x", "answer with " + key, "stop", new TokenUsage(1, 3), null));
        }

        public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderTarget target, ProviderChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var key = target.Credential.ApiKey!;
            Calls.Add(key);
            await Task.Yield();
            if (FailFor.TryGetValue(key, out var kind))
            {
                throw Failure(kind, target.Provider);
            }

            yield return Update("answer ");
            if (FailMidStreamFor.Contains(key))
            {
                throw Failure(ErrorKind.UpstreamUnavailable, target.Provider);
            }

            yield return Update("with " + key);
        }

        private static ChatCompletionUpdate Update(string text) => new("id", DateTimeOffset.UnixEpoch, "openrouter/model-x", null, text, null, null);

        private static UpstreamException Failure(ErrorKind kind, string provider) =>
            new(kind, provider, $"scripted {kind}", kind switch
            {
                ErrorKind.UpstreamAuth => 401,
                ErrorKind.UpstreamRateLimited => 429,
                ErrorKind.UpstreamRejected => 400,
                _ => 503,
            });
    }
}
