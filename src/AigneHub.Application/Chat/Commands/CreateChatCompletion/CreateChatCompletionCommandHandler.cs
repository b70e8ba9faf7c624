using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Usage;
using Mediator;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Application.Chat.Commands.CreateChatCompletion;

internal sealed partial class CreateChatCompletionCommandHandler(
    ChatRouter router,
    ChatBilling billing,
    ICallRecorder recorder,
    ICallerContext callers,
    TimeProvider time,
    IOptions<ChatRoutingOptions> routing,
    ILogger<CreateChatCompletionCommandHandler> logger)
    : ICommandHandler<CreateChatCompletionCommand, ChatCompletion>
{
    public async ValueTask<ChatCompletion> Handle(CreateChatCompletionCommand command, CancellationToken cancellationToken)
    {
        var meter = CallMeter.Start(time, command.RequestId, CallType.Chat, streamed: false, callers.Current).Tagged(command.Settings);
        var (hold, route) = await billing.HoldAsync(
            router.RouteRecordingFailure(command.Model, meter, recorder, cancellationToken), command, meter, recorder, cancellationToken);
        var request = route.RequestFor(command);
        using var deadline = CallDeadline.Start(TimeSpan.FromSeconds(routing.Value.DeadlineSeconds), time, cancellationToken);

        for (var attempt = 0; ; attempt++)
        {
            var provider = route.Providers[attempt];
            meter.Attempt(provider.Name, route.Name.Model);
            try
            {
                var completion = await ChoiceFanOut.CompleteAsync(provider, request, command.Settings.N ?? 1, deadline.Token);
                meter.FirstByte();
                var record = await billing.SettleAsync(hold, meter.Succeeded(completion.Usage), completion.Usage);
                recorder.Record(record);
                return record.CreditsCharged is { } charged
                    ? completion with { CreditsCharged = charged, CreditPrefix = await billing.CreditPrefixAsync(cancellationToken) }
                    : completion;
            }
            catch (UpstreamException ex) when (ex.IsRetryable && attempt + 1 < route.Providers.Count)
            {
                LogFailover(logger, provider.Name, ex.Kind, route.Providers[attempt + 1].Name);
            }
            catch (Exception ex) when (deadline.Exceeded(ex))
            {
                var timedOut = deadline.TimedOut(provider.Name);
                recorder.Record(await billing.SettleAsync(hold, meter.Failed(timedOut, default, cancellationToken), default));
                throw timedOut;
            }
            catch (Exception ex)
            {
                recorder.Record(await billing.SettleAsync(hold, meter.Failed(ex, default, cancellationToken), default));
                throw;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} failed with {ErrorKind}; failing over to {NextProvider}")]
    private static partial void LogFailover(ILogger logger, string provider, ErrorKind errorKind, string nextProvider);
}
