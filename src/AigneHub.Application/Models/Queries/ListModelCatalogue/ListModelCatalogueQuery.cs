using AigneHub.Application.Models;

namespace AigneHub.Application.Models.Queries.ListModelCatalogue;

/// <summary>
/// The models a client can call with their current rates and their providers' display names, as the AIGNE client's
/// <c>models()</c> lists them; <paramref name="Type"/> ("chat", "image" or "embedding") keeps one kind, null or empty keeps all.
/// </summary>
public sealed record ListModelCatalogueQuery(string? Type) : IQuery<IReadOnlyList<ModelCatalogueEntry>>
{
    public const string Chat = "chat";
    public const string Image = "image";
    public const string Embedding = "embedding";

    /// <summary>The kind <see cref="Type"/> asks for; null for every kind.</summary>
    public ModelKind? Kind => Type switch
    {
        Chat => ModelKind.Chat,
        Image => ModelKind.Image,
        Embedding => ModelKind.Embedding,
        _ => null,
    };

    /// <summary>How <see cref="Type"/> (and the catalogue's answers) spell a kind.</summary>
    public static string TypeOf(ModelKind kind) => kind switch
    {
        ModelKind.Image => Image,
        ModelKind.Embedding => Embedding,
        _ => Chat,
    };
}

/// <summary>One model of the catalogue.</summary>
/// <param name="Model">The provider's model id (without the "provider/" prefix).</param>
/// <param name="InputRate">Credits per input token (0 when the model has no rate: nothing is charged for it).</param>
/// <param name="OutputRate">Credits per output token, or per image for image models (0 when the model has no rate).</param>
public sealed record ModelCatalogueEntry(
    string Model,
    ModelKind Kind,
    string Provider,
    string ProviderDisplayName,
    decimal InputRate,
    decimal OutputRate,
    bool Available);
