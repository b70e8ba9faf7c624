using System.Reflection;

namespace AigneHub.ArchitectureTests;

/// <summary>The assemblies and namespaces each rule is about: the hub's, and the deliberately broken fixture's.</summary>
public sealed record Layers(
    Assembly Domain,
    Assembly Application,
    Assembly Infrastructure,
    Assembly Api,
    string DomainNamespace,
    string ApplicationNamespace,
    string InfrastructureNamespace,
    string ApiNamespace,
    string CompositionRootNamespace,
    string ModelCallMarker,
    string[] ProviderPorts)
{
    public static readonly Layers Hub = new(
        typeof(Domain.Usage.CallRecord).Assembly,
        typeof(Application.DependencyInjection).Assembly,
        typeof(Infrastructure.DependencyInjection).Assembly,
        typeof(Api.Hosting.HubApplication).Assembly,
        "AigneHub.Domain",
        "AigneHub.Application",
        "AigneHub.Infrastructure",
        "AigneHub.Api",
        "AigneHub.Api.Hosting",
        "AigneHub.Application.ModelCalls.IModelCall",
        [
            "AigneHub.Application.Abstractions.IChatProvider",
            "AigneHub.Application.Abstractions.IEmbeddingProvider",
            "AigneHub.Application.Abstractions.IImageProvider",
            "AigneHub.Application.Abstractions.IChatAdapter",
            "AigneHub.Application.Abstractions.IEmbeddingAdapter",
            "AigneHub.Application.Abstractions.IImageAdapter",
        ]);

    private static readonly Assembly Fixture = typeof(Broken.Domain.LeakyEntity).Assembly;

    /// <summary>One assembly plays every layer; the namespaces tell them apart.</summary>
    public static readonly Layers Broken = new(
        Fixture,
        Fixture,
        Fixture,
        Fixture,
        "Broken.Domain",
        "Broken.Application",
        "Broken.Infrastructure",
        "Broken.Api",
        "Broken.Api.Hosting",
        "Broken.Application.Calls.IModelCall",
        ["Broken.Application.Calls.IVideoProvider"]);
}
