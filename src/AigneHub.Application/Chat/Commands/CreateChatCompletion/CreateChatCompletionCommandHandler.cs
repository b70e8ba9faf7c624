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
            router.RouteRecordingFailure(command, callers.Current, meter, recorder, cancellationToken), command, meter, recorder, cancellationToken);
        var plan = new ChatAttemptPlan(route);
        using var deadline = CallDeadline.Start(TimeSpan.FromSeconds(routing.Value.DeadlineSeconds), time, cancellationToken);

        for (int attempt = 0, next = 0; ; attempt = next)
        {
            var (model, provider) = plan[attempt];
            meter.Attempt(provider.Name, model.Name.Model);
            try
            {
                var completion = await ChoiceFanOut.CompleteAsync(provider, model.RequestFor(command), command.Settings.N ?? 1, deadline.Token);
                meter.FirstByte();
                var record = await billing.SettleAsync(hold.ForModel(model.Name.Model), meter.Succeeded(completion.Usage), completion.Usage);
                recorder.Record(record);
                return record.CreditsCharged is { } charged
                    ? completion with { CreditsCharged = charged, CreditPrefix = await billing.CreditPrefixAsync(cancellationToken) }
                    : completion;
            }
            catch (UpstreamException ex) when (plan.MovesOn(attempt, ex, meter, out next))
            {
                LogFailover(logger, provider.Name, model.Name.Model, ex.Kind, plan[next].Provider.Name, plan[next].Route.Name.Model);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} failed on {Model} with {ErrorKind}; failing over to {NextProvider} with {NextModel}")]
    private static partial void LogFailover(ILogger logger, string provider, string model, ErrorKind errorKind, string nextProvider, string nextModel);
}
