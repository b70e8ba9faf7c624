using System.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Reflection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Api.Grpc;

/// <summary>
/// Server reflection that also serves the descriptors of the messages the hub's errors carry: a refusal's
/// <c>grpc-status-details-bin</c> holds a <c>google.rpc.Status</c> with <c>google.rpc.BadRequest</c> and
/// <c>google.rpc.ErrorInfo</c> details, which no service's own files import, so a client working from reflection alone
/// (grpcurl, grpc-js with a reflection client) could not decode them. The services listed are those mapped, found
/// as the reflection package finds them (each service's generated base class names its descriptor).
/// </summary>
internal static class ErrorDetailsReflection
{
    /// <summary>The files of every message an error of the hub carries (error_details.proto holds RetryInfo too).</summary>
    private static readonly FileDescriptor[] ErrorFiles =
    [
        Google.Rpc.Status.Descriptor.File,
        Google.Rpc.ErrorInfo.Descriptor.File,
    ];

    public static IServiceCollection AddGrpcReflectionWithErrorDetails(this IServiceCollection services)
    {
        services.AddGrpcReflection();
        services.Replace(Microsoft.Extensions.DependencyInjection.ServiceDescriptor.Singleton(provider =>
        {
            var descriptors = provider.GetRequiredService<EndpointDataSource>().Endpoints
                .Select(endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>()?.ServiceType)
                .OfType<Type>()
                .Distinct()
                .Select(DescriptorOf)
                .OfType<Google.Protobuf.Reflection.ServiceDescriptor>()
                .ToList();
            var files = descriptors.Select(d => d.File).Concat(ErrorFiles).Distinct();
            return new ReflectionServiceImpl(descriptors.Select(d => d.FullName), SymbolRegistry.FromFiles(files));
        }));
        return services;
    }

    /// <summary>A service implementation derives from the generated <c>Foo.FooBase</c>, whose declaring class has the descriptor.</summary>
    private static Google.Protobuf.Reflection.ServiceDescriptor? DescriptorOf(Type implementation)
    {
        var type = implementation;
        while (type.BaseType is { BaseType: not null } parent)
        {
            type = parent;
        }

        return type.DeclaringType?.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as Google.Protobuf.Reflection.ServiceDescriptor;
    }
}
