using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core.Interceptors;

namespace AigneHub.Api.Grpc;

/// <summary>
/// Turns the hub's exceptions into gRPC statuses (validation failures carry google.rpc.BadRequest field violations),
/// and leaves the full <see cref="HubError"/> on the HttpContext so the REST edges can answer in their own envelope.
/// </summary>
internal sealed class ErrorTranslationInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    private static RpcException Translate(Exception exception, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var error = HubErrorMapper.Map(exception, http.TraceIdentifier);
        http.Items[HubError.HttpContextKey] = error;

        if (error.RetryAfter is { } retryAfter)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            if (!http.Response.HasStarted)
            {
                http.Response.Headers.RetryAfter = seconds;
            }

            context.ResponseTrailers.Add("retry-after", seconds);
        }

        foreach (var (name, value) in error.Headers ?? new Dictionary<string, string>())
        {
            if (!http.Response.HasStarted)
            {
                http.Response.Headers[name] = value;
            }

            context.ResponseTrailers.Add(name, value);
        }

        var status = new Google.Rpc.Status { Code = (int)error.GrpcStatus, Message = error.Message };
        if (error.Violations is { Count: > 0 } violations)
        {
            var badRequest = new BadRequest();
            foreach (var violation in violations)
            {
                badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = violation.Field, Description = violation.Description });
            }

            status.Details.Add(Any.Pack(badRequest));
        }

        if (error.Code is not null)
        {
            var info = new ErrorInfo { Reason = error.Code, Domain = "aignehub" };
            if (error.GrpcStatus == StatusCode.PermissionDenied && error.Param is not null)
            {
                // A refusal about one field (a new key's scopes, expiry, …; the model of a call) names it.
                info.Metadata.Add("field", error.Param);
            }

            status.Details.Add(Any.Pack(info));
        }

        return status.ToRpcException();
    }
}
