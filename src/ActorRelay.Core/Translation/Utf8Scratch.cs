using System.Text.Json;

namespace ActorRelay.Core.Translation;

/// <summary>
/// The unescaped UTF-8 bytes of the current string or property-name token: the input itself when nothing is escaped,
/// else a copy in a buffer reused by its owner (one per stream translator). A returned span lives until the next call.
/// </summary>
internal sealed class Utf8Scratch
{
    private byte[] _buffer = new byte[256];

    public ReadOnlySpan<byte> Value(scoped ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan;
        }

        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }

        var written = reader.CopyString(_buffer);
        return _buffer.AsSpan(0, written);
    }

    /// <summary>Re-writes the value at the reader's position (scalar, object or array) compactly, leaving the reader on its last token.</summary>
    public void CopyValue(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        var depth = reader.CurrentDepth;
        WriteToken(ref reader, writer);
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        while (reader.Read())
        {
            WriteToken(ref reader, writer);
            if (reader.CurrentDepth == depth && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                return;
            }
        }

        throw new JsonException("The JSON value ended early.");
    }

    private void WriteToken(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                writer.WriteStartObject();
                break;
            case JsonTokenType.EndObject:
                writer.WriteEndObject();
                break;
            case JsonTokenType.StartArray:
                writer.WriteStartArray();
                break;
            case JsonTokenType.EndArray:
                writer.WriteEndArray();
                break;
            case JsonTokenType.PropertyName:
                writer.WritePropertyName(Value(ref reader));
                break;
            case JsonTokenType.String:
                writer.WriteStringValue(Value(ref reader));
                break;
            case JsonTokenType.Number:
                writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                break;
            case JsonTokenType.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonTokenType.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
