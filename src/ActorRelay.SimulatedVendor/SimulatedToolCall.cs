using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>The tool call the simulator answers with: the first offered tool, with arguments valid against its JSON schema.</summary>
internal sealed record SimulatedToolCall(string Name, string Arguments)
{
    private const int MaxDepth = 32;

    /// <summary>
    /// A call of <paramref name="name"/> whose arguments satisfy <paramref name="schema"/>: required properties filled by type
    /// (string "sim", number and integer 1 within any minimum/maximum, boolean true, enum or const its first value, object
    /// recursively, array one item), the first alternative of <c>anyOf</c>/<c>oneOf</c>. Types are read case-insensitively,
    /// so Gemini's <c>OBJECT</c>/<c>STRING</c> schemas work too. A missing schema gives <c>{}</c>.
    /// </summary>
    public static SimulatedToolCall For(string name, JsonElement schema)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, OpenAiJson.WriterOptions))
        {
            if (schema.ValueKind == JsonValueKind.Object)
            {
                WriteValue(writer, schema, 0);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
        }

        return new SimulatedToolCall(name, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonElement schema, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > MaxDepth)
        {
            writer.WriteStringValue("sim");
            return;
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(writer);
            return;
        }

        if (schema.TryGetProperty("const", out var constant))
        {
            constant.WriteTo(writer);
            return;
        }

        foreach (var combinator in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (schema.TryGetProperty(combinator, out var alternatives) && alternatives.ValueKind == JsonValueKind.Array
                && alternatives.EnumerateArray().FirstOrDefault(a => TypeOf(a) != "null") is { ValueKind: JsonValueKind.Object } first)
            {
                WriteValue(writer, first, depth + 1);
                return;
            }
        }

        switch (TypeOf(schema))
        {
            case "object":
                WriteObject(writer, schema, depth);
                break;
            case "array":
                writer.WriteStartArray();
                WriteValue(writer, schema.TryGetProperty("items", out var items) ? items : default, depth + 1);
                writer.WriteEndArray();
                break;
            case "integer":
                writer.WriteNumberValue((long)Math.Ceiling(Bounded(schema)));
                break;
            case "number":
                writer.WriteNumberValue(Bounded(schema));
                break;
            case "boolean":
                writer.WriteBooleanValue(true);
                break;
            case "null":
                writer.WriteNullValue();
                break;
            default:
                writer.WriteStringValue("sim");
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, JsonElement schema, int depth)
    {
        writer.WriteStartObject();
        var properties = schema.TryGetProperty("properties", out var declared) && declared.ValueKind == JsonValueKind.Object ? declared : default;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                var property = name.GetString()!;
                writer.WritePropertyName(property);
                WriteValue(writer, properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property, out var propertySchema) ? propertySchema : default, depth + 1);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>The schema's type in lower case: the first non-null one of a type list, else implied by properties/items.</summary>
    private static string? TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                return type.GetString()!.ToLowerInvariant();
            }

            if (type.ValueKind == JsonValueKind.Array)
            {
                var types = type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!.ToLowerInvariant()).ToList();
                return types.FirstOrDefault(t => t != "null") ?? types.FirstOrDefault();
            }
        }

        return schema.TryGetProperty("properties", out _) ? "object" : schema.TryGetProperty("items", out _) ? "array" : null;
    }

    /// <summary>1, moved into [minimum, maximum] when the schema bounds it.</summary>
    private static double Bounded(JsonElement schema)
    {
        var value = 1d;
        if (Bound(schema, "minimum") is { } minimum)
        {
            value = Math.Max(value, minimum);
        }

        if (Bound(schema, "maximum") is { } maximum)
        {
            value = Math.Min(value, maximum);
        }

        return value;
    }

    /// <summary>A numeric bound; Gemini schemas may carry numbers as strings.</summary>
    private static double? Bound(JsonElement schema, string name) =>
        !schema.TryGetProperty(name, out var bound) ? null
        : bound.ValueKind == JsonValueKind.Number ? bound.GetDouble()
        : bound.ValueKind == JsonValueKind.String && double.TryParse(bound.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null;
}
