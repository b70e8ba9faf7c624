using System.Text.Json;
using System.Text.Json.Serialization;

namespace AigneHub.Application.Usage.Reports;

/// <summary>How a usage report is written as JSON, for downloads and webhook deliveries alike (camelCase, enums as names).</summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
