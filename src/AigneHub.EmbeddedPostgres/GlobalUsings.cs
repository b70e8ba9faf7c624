// The namespaces most files of this project use; a file names only what else it needs.
global using System.Globalization;
global using Microsoft.Extensions.Logging;
