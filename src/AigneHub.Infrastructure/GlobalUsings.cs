// The namespaces most files of this project use; a file names only what else it needs.
global using System.Text.Json;
global using AigneHub.Application.Abstractions;
global using AigneHub.Application.Errors;
global using AigneHub.Domain.Usage;
global using Microsoft.Extensions.Options;
