using AigneHub.Application.Models;

namespace AigneHub.Application.Models.Queries.ListModels;

/// <summary>The models of every enabled provider, ordered by id.</summary>
public sealed record ListModelsQuery : IQuery<IReadOnlyList<ModelDescriptor>>;
