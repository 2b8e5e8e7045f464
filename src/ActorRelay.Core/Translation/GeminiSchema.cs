using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>
/// JSON Schema → Gemini's <c>Schema</c> (a subset of the OpenAPI 3.0 schema object), for function parameters and
/// <c>responseSchema</c>. Keeps the fields Gemini documents, turns <c>type: [T, "null"]</c> into <c>nullable</c>,
/// <c>const</c> into a one-value <c>enum</c> and <c>oneOf</c> into <c>anyOf</c>, and drops the rest
/// (<c>additionalProperties</c>, <c>$schema</c>, <c>$ref</c>/<c>$defs</c>, <c>allOf</c>, ...), which Gemini rejects.
/// </summary>
internal static class GeminiSchema
{
    private static readonly HashSet<string> Kept = new(StringComparer.Ordinal)
    {
        "format", "title", "description", "nullable", "maxItems", "minItems", "required", "propertyOrdering",
        "minimum", "maximum", "minLength", "maxLength", "pattern", "default", "example", "minProperties", "maxProperties",
    };

    public static JsonObject Convert(JsonObject schema)
    {
        var result = new JsonObject();
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "type":
                    SetType(result, value);
                    break;
                case "enum" when value is JsonArray values:
                    result["enum"] = EnumValues(values);
                    break;
                case "const" when value is JsonValue constant:
                    result["enum"] = new JsonArray(constant.ToString());
                    break;
                case "properties" when value is JsonObject properties:
                    var converted = new JsonObject();
                    foreach (var (name, property) in properties)
                    {
                        if (property is JsonObject propertySchema)
                        {
                            converted[name] = Convert(propertySchema);
                        }
                    }

                    result["properties"] = converted;
                    break;
                case "items" when value is JsonObject items:
                    result["items"] = Convert(items);
                    break;
                case "anyOf" or "oneOf" when value is JsonArray alternatives:
                    var anyOf = new JsonArray();
                    foreach (var alternative in alternatives)
                    {
                        if (alternative is JsonObject alternativeSchema)
                        {
                            anyOf.Add(Convert(alternativeSchema));
                        }
                    }

                    result["anyOf"] = anyOf;
                    break;
                default:
                    if (Kept.Contains(key) && value is not null)
                    {
                        result[key] = value.DeepClone();
                    }

                    break;
            }
        }

        return result;
    }

    /// <summary>True for an object schema without properties: Gemini rejects those as function parameters, so they are left out.</summary>
    public static bool IsEmptyObject(JsonObject schema) =>
        TranslationJson.String(schema["type"]) is null or "object"
        && schema["properties"] is not JsonObject { Count: > 0 }
        && schema["anyOf"] is null;

    private static void SetType(JsonObject result, JsonNode? type)
    {
        if (TranslationJson.String(type) is { } single)
        {
            if (single != "null")
            {
                result["type"] = single;
            }

            return;
        }

        if (type is not JsonArray types)
        {
            return;
        }

        foreach (var candidate in types)
        {
            switch (TranslationJson.String(candidate))
            {
                case "null":
                    result["nullable"] = true;
                    break;
                case { } name when !result.ContainsKey("type"):
                    result["type"] = name;
                    break;
            }
        }
    }

    private static JsonArray EnumValues(JsonArray values)
    {
        var strings = new JsonArray();
        foreach (var value in values)
        {
            if (value is JsonValue scalar)
            {
                strings.Add(TranslationJson.String(scalar) ?? scalar.ToJsonString());
            }
        }

        return strings;
    }
}
