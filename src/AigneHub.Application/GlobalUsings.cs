// The namespaces most files of this project use; a file names only what else it needs.
global using AigneHub.Application.Abstractions;
global using AigneHub.Domain.Usage;
global using FluentValidation;
global using Marten;
global using Mediator;
