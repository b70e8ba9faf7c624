using AigneHub.Application.Providers.Common;
using Mediator;

namespace AigneHub.Application.Providers.Queries.GetProvider;

public sealed record GetProviderQuery(string Provider) : IQuery<ProviderView>;
