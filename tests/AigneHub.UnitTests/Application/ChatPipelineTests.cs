using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Chat.Commands.StreamChatCompletion;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application;

public sealed class ChatPipelineTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    private static CreateChatCompletionCommand Unary(string model, ChatSettings? settings = null, IReadOnlyList<ChatMessage>? messages = null) =>
        new("req-1", model, messages ?? Hello, settings ?? ChatSettings.Default);

    private static StreamChatCompletionCommand Streamed(string model) => new("req-2", model, Hello, ChatSettings.Default);

    [Fact]
    public async Task Invalid_command_is_refused_before_any_provider_is_called()
    {
        var provider = new ScriptedProvider("openai");
        using var app = new ApplicationHarness(provider);

        var error = await Assert.ThrowsAsync<RequestValidationException>(
            () => app.Mediator.Send(Unary("openai/gpt", new ChatSettings { Temperature = 3, TopP = -1 })).AsTask());

        Assert.Equal(["temperature", "top_p"], error.Violations.Select(v => v.Field));
        Assert.Equal(0, provider.Calls);
        Assert.Empty(app.Recorder.Records);
    }

    [Fact]
    public async Task Violations_name_nested_fields_as_clients_send_them()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai"));
        ChatMessage[] messages = [new(ChatRole.User, "ok"), new(ChatRole.Tool, "result"), new(ChatRole.User, null)];

        var error = await Assert.ThrowsAsync<RequestValidationException>(() => app.Mediator.Send(Unary("openai/gpt", messages: messages)).AsTask());

        Assert.Contains(error.Violations, v => v.Field == "messages[1].tool_call_id");
        Assert.Contains(error.Violations, v => v.Field == "messages[2].content");
    }

    [Fact]
    public async Task Streamed_command_is_validated_before_the_first_update()
    {
        var provider = new ScriptedProvider("openai");
        using var app = new ApplicationHarness(provider);

        await Assert.ThrowsAsync<RequestValidationException>(async () =>
        {
            await foreach (var _ in app.Mediator.CreateStream(new StreamChatCompletionCommand("r", "openai/gpt", [], ChatSettings.Default)))
            {
            }
        });
        Assert.Equal(0, provider.Calls);
    }

    [Fact]
    public async Task Unknown_model_is_model_not_found_and_names_an_unconfigured_provider()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("demo"));

        var unconfigured = await Assert.ThrowsAsync<ModelNotFoundException>(() => app.Mediator.Send(Unary("anthropic/claude")).AsTask());
        var unknown = await Assert.ThrowsAsync<ModelNotFoundException>(() => app.Mediator.Send(Unary("demo/unknown")).AsTask());

        Assert.Contains("'anthropic' is not configured", unconfigured.Message);
        Assert.Contains("does not exist", unknown.Message);
        Assert.Equal(
            [("anthropic", "claude", ErrorKind.ModelNotFound), ("demo", "unknown", ErrorKind.ModelNotFound)],
            app.Recorder.Records.Select(r => (r.Provider, r.Model, r.ErrorKind)));
    }

    [Fact]
    public async Task Successful_call_is_recorded_with_provider_model_and_usage()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai"));

        var completion = await app.Mediator.Send(Unary("openai/gpt-4o"));

        Assert.Equal("answer from openai", completion.Content);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal(("req-1", "openai", "gpt-4o", CallStatus.Succeeded, 5, 2), (record.RequestId, record.Provider, record.Model, record.Status, record.PromptTokens, record.CompletionTokens));
        Assert.False(record.Streamed);
    }

    [Fact]
    public async Task Bare_model_fails_over_to_the_next_provider_on_a_retryable_upstream_error()
    {
        var first = new ScriptedProvider("openai") { FailWith = new UpstreamException(ErrorKind.UpstreamUnavailable, "openai", "down", 503) };
        var second = new ScriptedProvider("openrouter");
        using var app = new ApplicationHarness(first, second);

        var completion = await app.Mediator.Send(Unary("gpt-4o"));

        Assert.Equal("answer from openrouter", completion.Content);
        Assert.Equal((1, 1), (first.Calls, second.Calls));
        Assert.Equal("openrouter", Assert.Single(app.Recorder.Records).Provider);
    }

    [Fact]
    public async Task A_record_names_the_credential_that_answered_after_a_failover()
    {
        var first = new ScriptedProvider("openai") { FailWith = new UpstreamException(ErrorKind.UpstreamUnavailable, "openai", "down", 503) };
        using var app = new ApplicationHarness(first, new ScriptedProvider("openrouter"));

        await app.Mediator.Send(Unary("gpt-4o"));

        Assert.Equal("cred-openrouter", Assert.Single(app.Recorder.Records).CredentialId);
    }

    [Fact]
    public async Task A_failed_record_names_the_credential_the_provider_refused()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { FailWith = new UpstreamException(ErrorKind.UpstreamAuth, "openai", "bad key", 401) });

        await Assert.ThrowsAsync<UpstreamException>(() => app.Mediator.Send(Unary("openai/gpt-4o")).AsTask());

        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((CallStatus.Failed, "cred-openai"), (record.Status, record.CredentialId));
    }

    [Fact]
    public async Task A_streamed_record_names_the_credential_that_streamed_after_a_failover()
    {
        var first = new ScriptedProvider("openai") { FailWith = new UpstreamException(ErrorKind.UpstreamRateLimited, "openai", "slow down", 429) };
        using var app = new ApplicationHarness(first, new ScriptedProvider("openrouter"));

        await foreach (var _ in app.Mediator.CreateStream(Streamed("gpt-4o")))
        {
        }

        Assert.Equal("cred-openrouter", Assert.Single(app.Recorder.Records).CredentialId);
    }

    [Fact]
    public async Task Non_retryable_upstream_error_is_not_failed_over_and_is_recorded()
    {
        var first = new ScriptedProvider("openai") { FailWith = new UpstreamException(ErrorKind.UpstreamRejected, "openai", "bad request", 400) };
        var second = new ScriptedProvider("openrouter");
        using var app = new ApplicationHarness(first, second);

        await Assert.ThrowsAsync<UpstreamException>(() => app.Mediator.Send(Unary("gpt-4o")).AsTask());

        Assert.Equal(0, second.Calls);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((CallStatus.Failed, ErrorKind.UpstreamRejected), (record.Status, record.ErrorKind));
    }

    [Fact]
    public async Task Unexpected_fault_is_translated_into_a_safe_internal_error_and_recorded()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { FailWith = new InvalidOperationException("secret internals") });

        var error = await Assert.ThrowsAsync<InternalFaultException>(() => app.Mediator.Send(Unary("openai/gpt")).AsTask());

        Assert.DoesNotContain("secret", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal(ErrorKind.Internal, Assert.Single(app.Recorder.Records).ErrorKind);
    }

    [Fact]
    public async Task Completed_stream_is_recorded_with_reported_usage_once()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai"));

        var text = "";
        await foreach (var update in app.Mediator.CreateStream(Streamed("openai/gpt")))
        {
            text += update.ContentDelta;
        }

        Assert.Equal("abc", text);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((CallStatus.Succeeded, true, 4, 3), (record.Status, record.Streamed, record.PromptTokens, record.CompletionTokens));
        Assert.NotNull(record.TtfbMs);
    }

    [Fact]
    public async Task Stream_abandoned_by_the_consumer_is_recorded_as_cancelled_and_releases_the_provider()
    {
        var provider = new ScriptedProvider("openai") { StreamPieces = ["1", "2", "3", "4", "5"] };
        using var app = new ApplicationHarness(provider);

        await foreach (var update in app.Mediator.CreateStream(Streamed("openai/gpt")))
        {
            if (update.ContentDelta == "2")
            {
                break;
            }
        }

        Assert.True(provider.StreamDisposed);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((CallStatus.Cancelled, 2), (record.Status, record.CompletionTokens));
    }

    [Fact]
    public async Task Stream_failing_before_its_first_update_fails_over()
    {
        var first = new ScriptedProvider("openai") { FailWith = new UpstreamException(ErrorKind.UpstreamRateLimited, "openai", "slow down", 429) };
        var second = new ScriptedProvider("openrouter");
        using var app = new ApplicationHarness(first, second);

        var models = new List<string>();
        await foreach (var update in app.Mediator.CreateStream(Streamed("gpt-4o")))
        {
            models.Add(update.Model);
        }

        Assert.All(models, m => Assert.Equal("openrouter/gpt-4o", m));
        Assert.Equal("openrouter", Assert.Single(app.Recorder.Records).Provider);
    }

    [Fact]
    public async Task Stream_failing_after_it_started_ends_with_the_error_and_is_recorded_once()
    {
        var first = new ScriptedProvider("openai") { FailAfterPieces = 1 };
        var second = new ScriptedProvider("openrouter");
        using var app = new ApplicationHarness(first, second);

        var received = new List<string?>();
        await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in app.Mediator.CreateStream(Streamed("gpt-4o")))
            {
                received.Add(update.ContentDelta);
            }
        });

        Assert.Equal(0, second.Calls);
        Assert.Equal([string.Empty, "a"], received);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((CallStatus.Failed, ErrorKind.UpstreamUnavailable), (record.Status, record.ErrorKind));
    }
}
