using System.Runtime.CompilerServices;
using FluentValidation.Results;

namespace AigneHub.Application.Behaviours;

/// <summary>Runs every validator of a message before its handler; the only place validation happens.</summary>
internal sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    /// <summary>
    /// Not an async method: validation completes synchronously on the call path (see
    /// <see cref="MessageValidation"/>), and then the handler's task is handed on as it is, without an async state
    /// machine of this behaviour per call. An invalid message, or a validator that did go asynchronous, takes
    /// <see cref="HandleAfterValidationAsync"/>.
    /// </summary>
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var validation = MessageValidation.ThrowIfInvalidAsync(validators, message, cancellationToken);
        return validation.IsCompletedSuccessfully
            ? next(message, cancellationToken)
            : HandleAfterValidationAsync(validation, message, next, cancellationToken);
    }

    private static async ValueTask<TResponse> HandleAfterValidationAsync(
        ValueTask validation,
        TMessage message,
        MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        await validation;
        return await next(message, cancellationToken);
    }
}

/// <summary>The streaming counterpart: validates before the first update, so an invalid call never opens a stream.</summary>
internal sealed class StreamValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IStreamPipelineBehavior<TMessage, TResponse>
    where TMessage : IStreamMessage
{
    public async IAsyncEnumerable<TResponse> Handle(
        TMessage message,
        StreamHandlerDelegate<TMessage, TResponse> next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await MessageValidation.ThrowIfInvalidAsync(validators, message, cancellationToken);
        await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
        {
            yield return item;
        }
    }
}

internal static class MessageValidation
{
    public static async ValueTask ThrowIfInvalidAsync<TMessage>(
        IEnumerable<IValidator<TMessage>> validators,
        TMessage message,
        CancellationToken cancellationToken)
    {
        List<FieldViolation>? violations = null;
        foreach (var validator in validators)
        {
            var result = await ValidateAsync(validator, message, cancellationToken);
            if (!result.IsValid)
            {
                violations ??= [];
                violations.AddRange(result.Errors.Select(ToViolation));
            }
        }

        if (violations is not null)
        {
            throw new RequestValidationException(violations);
        }
    }

    /// <summary>
    /// Synchronously when the validator has no asynchronous rule (every validator of the call path today): FluentValidation's
    /// async path costs an async state machine per rule and per collection item, on every call. A validator that does
    /// have an async rule throws when the synchronous path reaches it (rules have no side effects), and from then on
    /// validators of that message run asynchronously.
    /// </summary>
    private static ValueTask<ValidationResult> ValidateAsync<TMessage>(IValidator<TMessage> validator, TMessage message, CancellationToken cancellationToken)
    {
        if (!AsyncOnly<TMessage>.Known)
        {
            try
            {
                return ValueTask.FromResult(validator.Validate(message));
            }
            catch (AsyncValidatorInvokedSynchronouslyException)
            {
                AsyncOnly<TMessage>.Known = true;
            }
        }

        return new ValueTask<ValidationResult>(validator.ValidateAsync(message, cancellationToken));
    }

    /// <summary>Set once a validator of <typeparamref name="TMessage"/> turned out to need the asynchronous path.</summary>
    private static class AsyncOnly<TMessage>
    {
        public static volatile bool Known;
    }

    // Nested rules may chain an empty parent name ("" + ".temperature"); the wire name is what follows.
    private static FieldViolation ToViolation(ValidationFailure failure) =>
        new(failure.PropertyName.TrimStart('.'), failure.ErrorMessage);
}
