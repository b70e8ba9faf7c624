namespace AigneHub.Infrastructure.Providers.Json;

/// <summary>
/// The <see cref="Utf8JsonReader"/> steps every upstream parser is written in: strict where a value decides the answer
/// (a property, an object, a string, a count), lenient where it only decorates an error. A body that breaks a strict
/// step throws <see cref="JsonException"/>, which the transport reports as a malformed answer.
/// </summary>
internal static class UpstreamJsonReader
{
    /// <summary>Reads one value at the reader's position (the reader is on its property name).</summary>
    public delegate T? ValueReader<T>(ref Utf8JsonReader reader);

    /// <summary>
    /// The top-level <c>error</c> of an error body (<c>{"error": {...}, ...}</c>), read by <paramref name="readError"/>;
    /// null when the body is not such an envelope. An error body is evidence, never a verdict: it cannot fail the call.
    /// </summary>
    public static T? TryReadErrorEnvelope<T>(ReadOnlySpan<byte> body, ValueReader<T> readError)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(readError);
        try
        {
            var reader = new Utf8JsonReader(body);
            ReadStartObject(ref reader);
            T? error = null;
            while (ReadProperty(ref reader))
            {
                if (reader.ValueTextEquals("error"u8))
                {
                    error = readError(ref reader);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            return error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Moves to the next token; the end of the input here means the JSON was cut short.</summary>
    public static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON ended early.");
        }
    }

    /// <summary>Moves to the next property name; false at the end of the current object.</summary>
    public static bool ReadProperty(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.PropertyName => true,
            JsonTokenType.EndObject => false,
            _ => throw new JsonException("Expected a property."),
        };
    }

    public static void ReadStartObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected a JSON object.");
        }
    }

    /// <summary>Reads a property value that must be an object; false (the value skipped) when it is null.</summary>
    public static bool ReadStartObjectOrNull(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.StartObject => true,
            JsonTokenType.Null => false,
            _ => throw new JsonException("Expected an object."),
        };
    }

    /// <summary>Reads a string or null value; anything else is malformed.</summary>
    public static string? ReadString(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw new JsonException("Expected a string."),
        };
    }

    public static void SkipValue(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        reader.Skip();
    }

    /// <summary>A non-negative count, or null for a JSON null; anything else is malformed.</summary>
    public static int? ReadInt32(ref Utf8JsonReader reader)
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

    /// <summary>Error fields are read leniently: a field of another shape is dropped, not fatal.</summary>
    public static string? ReadStringLenient(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
