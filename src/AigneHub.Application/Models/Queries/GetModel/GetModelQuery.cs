using AigneHub.Application.Models;

namespace AigneHub.Application.Models.Queries.GetModel;

/// <summary>One model of the models list, by its "provider/model" id.</summary>
public sealed record GetModelQuery(string Id) : IQuery<ModelDescriptor>;
