using AigneHub.Application.Abstractions;
using AigneHub.Application.Access;
using AigneHub.Application.Access.Commands.CreateUser;
using AigneHub.Application.Chat;
using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.UnitTests.Application.Behaviours;

/// <summary>
/// Which steps a message crosses on its way to its handler, in order, as the generated pipeline wires them: a model call
/// pays only for the steps that apply to it.
/// </summary>
public sealed class PipelineStepsTests
{
    [Fact]
    public void A_chat_call_crosses_logging_validation_admission_and_the_cache_and_not_the_audit()
    {
        using var app = new ApplicationHarness();

        var steps = Steps<CreateChatCompletionCommand, ChatCompletion>(app);

        Assert.Equal(["LoggingBehaviour", "ValidationBehaviour", "ModelCallAdmissionBehaviour", "ResponseCacheBehaviour"], steps);
    }

    [Fact]
    public void An_audited_command_crosses_the_audit_then_the_asker_s_standing_between_logging_and_validation()
    {
        using var app = new ApplicationHarness();

        var steps = Steps<CreateUserCommand, UserView>(app);

        Assert.Equal(["LoggingBehaviour", "AuditBehaviour", "ActorStandingBehaviour", "ValidationBehaviour"], steps[..4]);
    }

    [Fact]
    public void Every_audited_command_crosses_the_audit_and_the_asker_s_standing()
    {
        using var app = new ApplicationHarness();
        var audited = typeof(IAuditedCommand).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IAuditedCommand).IsAssignableFrom(t))
            .ToList();

        var missing = audited
            .Where(t => Steps(app, t, ResponseOf(t)) is var steps && !(steps.Contains("AuditBehaviour") && steps.Contains("ActorStandingBehaviour")))
            .Select(t => t.Name)
            .ToList();

        Assert.True(audited.Count >= 20, $"only {audited.Count} audited commands found");
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_command_a_person_asks_for_is_audited()
    {
        // A command that carries its asker (a Caller, or the Actor its events record) is a change someone made: without
        // IAuditedCommand it would leave no audit entry and skip the asker's standing (a disabled or demoted admin
        // whose key another instance still accepts). Credits, rates and the billing settings were once such commands.
        var unaudited = typeof(IAuditedCommand).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetInterfaces().Any(i => i == typeof(ICommand) || (i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommand<>))))
            .Where(t => t.GetProperties().Any(p => p.PropertyType == typeof(Caller) || (p.Name == "Actor" && p.PropertyType == typeof(string))))
            .Where(t => !typeof(IAuditedCommand).IsAssignableFrom(t))
            .Select(t => t.Name)
            .ToList();

        Assert.Empty(unaudited);
    }

    private static Type ResponseOf(Type command) =>
        command.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommand<>))?.GetGenericArguments()[0]
        ?? typeof(Unit);

    private static List<string> Steps(ApplicationHarness app, Type message, Type response) =>
        app.Services.GetServices(typeof(IPipelineBehavior<,>).MakeGenericType(message, response))
            .Select(step => step!.GetType().Name.Split('`')[0])
            .ToList();

    private static List<string> Steps<TMessage, TResponse>(ApplicationHarness app)
        where TMessage : IMessage =>
        app.Services.GetServices<IPipelineBehavior<TMessage, TResponse>>().Select(step => step.GetType().Name.Split('`')[0]).ToList();
}
