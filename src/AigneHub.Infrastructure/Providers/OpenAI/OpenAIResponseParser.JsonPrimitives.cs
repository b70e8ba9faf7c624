using System.Text.Json;
using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.Infrastructure.Providers.OpenAI;

// The Utf8JsonReader steps every part of the parser shares.
internal static partial class OpenAIResponseParser
{
    /// <summary>Moves to the next property name; false at the end of the current object.</summary>
    internal static bool ReadProperty(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.PropertyName => true,
            JsonTokenType.EndObject => false,
            _ => throw new JsonException("Expected a property."),
        };
    }

    internal static void ReadStartObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected a JSON object.");
        }
    }

    /// <summary>Reads a string or null value; anything else is malformed.</summary>
    internal static string? ReadString(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw new JsonException("Expected a string."),
        };
    }

    internal static void SkipValue(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        reader.Skip();
    }

    private static int? ReadInt32(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value) || value < 0)
        {
            throw new JsonException("Expected a non-negative integer.");
        }

        return value;
    }

    /// <summary>Error fields are read leniently: a numeric code or an object message is dropped, not fatal.</summary>
    private static string? ReadStringLenient(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var number) ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            default:
                reader.Skip();
                return null;
        }
    }

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON ended early.");
        }
    }
}
