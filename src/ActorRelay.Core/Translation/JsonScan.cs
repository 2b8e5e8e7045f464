using System.Text.Json;

namespace ActorRelay.Core.Translation;

/// <summary>Small forward-only reading steps the stream translators share.</summary>
internal static class JsonScan
{
    /// <summary>Positions a new reader inside the top-level object of <paramref name="json"/>.</summary>
    public static Utf8JsonReader Open(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected a JSON object.");
        }

        return reader;
    }

    /// <summary>Advances to the next property name of the current object; false at its end.</summary>
    public static bool NextProperty(ref Utf8JsonReader reader) => reader.Read() && reader.TokenType == JsonTokenType.PropertyName;

    /// <summary>Moves onto the value of the current property; true when it is an object, else skips it.</summary>
    public static bool EnterObject(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        reader.Skip();
        return false;
    }

    /// <summary>Moves onto the value of the current property; true when it is an array, else skips it.</summary>
    public static bool EnterArray(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            return true;
        }

        reader.Skip();
        return false;
    }

    /// <summary>
    /// Inside an array: moves to its first element when that is an object (true, on its start; <paramref name="seen"/> is set),
    /// skipping every other element; false on the array's end. Loop on it to read only the first choice or candidate.
    /// </summary>
    public static bool NextFirstObject(ref Utf8JsonReader reader, ref bool seen)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (seen || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            seen = true;
            return true;
        }

        return false;
    }

    /// <summary>Skips the value of the current property.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>The value of the current property as a string, or null for any other token.</summary>
    public static string? StringValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>The value of the current property as a number, or null for any other token.</summary>
    public static long? LongValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
        {
            return value;
        }

        reader.Skip();
        return null;
    }

    /// <summary>A top-level string property of an object, or null (also for malformed JSON).</summary>
    public static string? TopLevelString(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        try
        {
            var reader = Open(json);
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals(name))
                {
                    return StringValue(ref reader);
                }

                SkipValue(ref reader);
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    /// <summary>Wraps a JSON reading failure of a stream event in the exception stream consumers expect.</summary>
    public static InvalidDataException Malformed(string vendor, Exception inner) =>
        new($"The {vendor} stream sent an event that is not valid JSON of the expected shape.", inner);

    /// <summary>True for the exceptions a reader throws on unexpected input.</summary>
    public static bool IsReadFailure(Exception exception) => exception is JsonException or InvalidOperationException or FormatException;
}
