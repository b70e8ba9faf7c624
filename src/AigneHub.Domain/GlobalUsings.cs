// The namespaces most files of this project use; a file names only what else it needs.
global using AigneHub.Domain.Access.Events;
global using AigneHub.Domain.Billing.Events;
global using AigneHub.Domain.Secrets;
global using AigneHub.Domain.Usage;
