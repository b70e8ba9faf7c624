namespace AigneHub.Application.Errors;

/// <summary>
/// Stands in for an unexpected exception at the edge: its message is safe to show, while the original exception
/// (logged once, where it was caught) stays inside the hub.
/// </summary>
public sealed class InternalFaultException(Exception inner)
    : HubException(ErrorKind.Internal, "The hub failed to process the request.", inner);
