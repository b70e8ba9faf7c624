// The namespaces most files of this project use; a file names only what else it needs.
global using System.Globalization;
global using System.Text.Json;
global using AigneHub.Api.Errors;
global using AigneHub.Api.Identity;
global using AigneHub.Application.Abstractions;
global using AigneHub.Application.Chat;
global using AigneHub.Application.Errors;
global using Grpc.Core;
global using Mediator;
