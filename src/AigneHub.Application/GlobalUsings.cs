// The namespaces most files of this project use; a file names only what else it needs.
global using AigneHub.Application.Abstractions;
global using AigneHub.Application.Access;
global using AigneHub.Application.Billing;
global using AigneHub.Application.Chat;
global using AigneHub.Application.Errors;
global using AigneHub.Application.Providers;
global using AigneHub.Domain.Access;
global using AigneHub.Domain.Billing;
global using AigneHub.Domain.Models;
global using AigneHub.Domain.Providers;
global using AigneHub.Domain.Usage;
global using FluentValidation;
global using Marten;
global using Mediator;
global using Microsoft.Extensions.Logging;
global using Microsoft.Extensions.Options;
