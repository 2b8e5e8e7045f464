using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>
/// OpenAI chat request → Gemini <c>GenerateContentRequest</c>.
/// <list type="bullet">
/// <item>System and developer messages → <c>systemInstruction</c>; user/assistant → <c>contents</c> with roles user/model;
/// consecutive messages of one role merge (parallel tool results share one content).</item>
/// <item>Assistant tool calls → <c>functionCall</c> parts; tool messages → <c>functionResponse</c> parts named after the call
/// they answer (looked up by id); a JSON-object result is passed as is, anything else as <c>{"output": text}</c>.</item>
/// <item>Images: data URLs → <c>inlineData</c>, http(s) URLs → <c>fileData</c> (media type guessed from the extension);
/// <c>input_audio</c> and base64 <c>file</c> parts → <c>inlineData</c>.</item>
/// <item>Tool and response schemas pass through <see cref="GeminiSchema"/>; JSON mode → <c>responseMimeType</c>
/// <c>application/json</c>, plus <c>responseSchema</c> for <c>json_schema</c>.</item>
/// <item>Not translated: <c>n</c> &gt; 1 (rejected), <c>parallel_tool_calls</c>, <c>logprobs</c>, <c>reasoning_effort</c> (dropped),
/// Gemini thought signatures (not carried through OpenAI's shape).</item>
/// </list>
/// </summary>
internal static class GeminiRequestBuilder
{
    public static JsonObject Build(JsonObject request)
    {
        OpenAiRequestParts.RequireSingleChoice(request, "Gemini");
        var system = new JsonArray();
        var contents = new JsonArray();
        var functionNames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request["messages"] is JsonArray messages)
        {
            foreach (var node in messages)
            {
                if (node is not JsonObject message)
                {
                    continue;
                }

                var role = TranslationJson.String(message["role"]);
                switch (role)
                {
                    case "system" or "developer":
                        if (OpenAiRequestParts.Text(message["content"]) is { Length: > 0 } text)
                        {
                            system.Add(new JsonObject { ["text"] = text });
                        }

                        break;
                    case "user":
                        Append(contents, "user", UserParts(message["content"]));
                        break;
                    case "assistant":
                        Append(contents, "model", ModelParts(message, functionNames));
                        break;
                    case "tool":
                        Append(contents, "user", [FunctionResponse(message, functionNames)]);
                        break;
                    default:
                        throw new TranslationException($"Messages with role '{role}' are not supported by Gemini channels.");
                }
            }
        }

        var body = new JsonObject { ["contents"] = contents };
        if (system.Count > 0)
        {
            body["systemInstruction"] = new JsonObject { ["parts"] = system };
        }

        AddTools(request, body);
        if (GenerationConfig(request) is { Count: > 0 } config)
        {
            body["generationConfig"] = config;
        }

        return body;
    }

    private static void Append(JsonArray contents, string role, JsonArray? parts)
    {
        if (parts is null)
        {
            return;
        }

        if (contents.Count > 0 && contents[^1] is JsonObject last && TranslationJson.String(last["role"]) == role && last["parts"] is JsonArray merged)
        {
            foreach (var part in parts)
            {
                merged.Add(part!.DeepClone());
            }

            return;
        }

        contents.Add(new JsonObject { ["role"] = role, ["parts"] = parts });
    }

    private static JsonArray UserParts(JsonNode? content)
    {
        if (content is not JsonArray source)
        {
            return [new JsonObject { ["text"] = OpenAiRequestParts.Text(content) }];
        }

        var parts = new JsonArray();
        foreach (var node in source)
        {
            if (node is not JsonObject part)
            {
                continue;
            }

            switch (TranslationJson.String(part["type"]))
            {
                case "text" when TranslationJson.String(part["text"]) is { Length: > 0 } text:
                    parts.Add(new JsonObject { ["text"] = text });
                    break;
                case "text":
                    break;
                case "image_url":
                    parts.Add(Media(OpenAiRequestParts.ImageUrl(part)));
                    break;
                case "input_audio":
                    var audio = part["input_audio"];
                    var format = TranslationJson.String(audio, "format") ?? "wav";
                    var data = TranslationJson.String(audio, "data") ?? throw new TranslationException("An 'input_audio' part needs 'input_audio.data'.");
                    parts.Add(InlineData($"audio/{format}", data));
                    break;
                case "file" when TranslationJson.String(part["file"], "file_data") is { } fileData:
                    parts.Add(Media(fileData));
                    break;
                case var type:
                    throw new TranslationException($"Content parts of type '{type}' are not supported by Gemini channels.");
            }
        }

        if (parts.Count == 0)
        {
            parts.Add(new JsonObject { ["text"] = string.Empty });
        }

        return parts;
    }

    private static JsonObject Media(string url)
    {
        if (OpenAiRequestParts.TryParseDataUrl(url, out var mediaType, out var data))
        {
            return InlineData(mediaType, data);
        }

        var fileData = new JsonObject();
        if (OpenAiRequestParts.ImageMediaTypeFromUrl(url) is { } guessed)
        {
            fileData["mimeType"] = guessed;
        }

        fileData["fileUri"] = OpenAiRequestParts.RequireHttpUrl(url);
        return new JsonObject { ["fileData"] = fileData };
    }

    private static JsonObject InlineData(string mimeType, string data) =>
        new() { ["inlineData"] = new JsonObject { ["mimeType"] = mimeType, ["data"] = data } };

    private static JsonArray? ModelParts(JsonObject message, Dictionary<string, string> functionNames)
    {
        var parts = new JsonArray();
        if (OpenAiRequestParts.Text(message["content"]) is { Length: > 0 } text)
        {
            parts.Add(new JsonObject { ["text"] = text });
        }

        if (message["tool_calls"] is JsonArray calls)
        {
            foreach (var call in calls)
            {
                var function = TranslationJson.Get(call, "function");
                var name = TranslationJson.String(function, "name") ?? throw new TranslationException("An assistant tool call needs a 'function.name'.");
                if (TranslationJson.String(call, "id") is { } id)
                {
                    functionNames[id] = name;
                }

                parts.Add(new JsonObject
                {
                    ["functionCall"] = new JsonObject
                    {
                        ["name"] = name,
                        ["args"] = TranslationJson.ParseObject(TranslationJson.String(function, "arguments")),
                    },
                });
            }
        }

        return parts.Count == 0 ? null : parts;
    }

    private static JsonObject FunctionResponse(JsonObject message, Dictionary<string, string> functionNames)
    {
        var callId = TranslationJson.String(message["tool_call_id"]);
        var name = (callId is not null && functionNames.TryGetValue(callId, out var known) ? known : null)
            ?? TranslationJson.String(message["name"])
            ?? throw new TranslationException($"The tool message for call '{callId}' answers no tool call of an earlier assistant message.");
        var text = OpenAiRequestParts.Text(message["content"]);
        var response = TranslationJson.TryParseObject(text) ?? new JsonObject { ["output"] = text };

        return new JsonObject { ["functionResponse"] = new JsonObject { ["name"] = name, ["response"] = response } };
    }

    private static void AddTools(JsonObject request, JsonObject body)
    {
        if (request["tools"] is not JsonArray { Count: > 0 } tools)
        {
            return;
        }

        var declarations = new JsonArray();
        foreach (var tool in tools)
        {
            if (tool is not JsonObject { } definition || TranslationJson.String(definition["type"]) is not (null or "function"))
            {
                throw new TranslationException("Only function tools are supported by Gemini channels.");
            }

            var function = definition["function"] as JsonObject ?? throw new TranslationException("A function tool needs a 'function'.");
            var declaration = new JsonObject
            {
                ["name"] = TranslationJson.String(function["name"]) ?? throw new TranslationException("A function tool needs a 'function.name'."),
            };
            if (TranslationJson.String(function["description"]) is { } description)
            {
                declaration["description"] = description;
            }

            if (function["parameters"] is JsonObject parameters && !GeminiSchema.IsEmptyObject(parameters))
            {
                declaration["parameters"] = GeminiSchema.Convert(parameters);
            }

            declarations.Add(declaration);
        }

        body["tools"] = new JsonArray(new JsonObject { ["functionDeclarations"] = declarations });
        if (FunctionCallingConfig(request["tool_choice"]) is { } config)
        {
            body["toolConfig"] = new JsonObject { ["functionCallingConfig"] = config };
        }
    }

    private static JsonObject? FunctionCallingConfig(JsonNode? choice)
    {
        if (choice is JsonObject named)
        {
            var name = TranslationJson.String(named["function"], "name") ?? throw new TranslationException("A named 'tool_choice' needs a 'function.name'.");
            return new JsonObject { ["mode"] = "ANY", ["allowedFunctionNames"] = new JsonArray(name) };
        }

        return TranslationJson.String(choice) switch
        {
            null => null,
            "auto" => new JsonObject { ["mode"] = "AUTO" },
            "required" => new JsonObject { ["mode"] = "ANY" },
            "none" => new JsonObject { ["mode"] = "NONE" },
            var other => throw new TranslationException($"'tool_choice' '{other}' is not supported."),
        };
    }

    private static JsonObject GenerationConfig(JsonObject request)
    {
        var config = new JsonObject();
        if (TranslationJson.StringList(request["stop"]) is { } stop)
        {
            config["stopSequences"] = stop;
        }

        if (OpenAiRequestParts.MaxTokens(request) is { } maxTokens)
        {
            config["maxOutputTokens"] = maxTokens;
        }

        Copy(request, "temperature", config, "temperature");
        Copy(request, "top_p", config, "topP");
        Copy(request, "seed", config, "seed");
        Copy(request, "presence_penalty", config, "presencePenalty");
        Copy(request, "frequency_penalty", config, "frequencyPenalty");
        if (request["response_format"] is JsonObject format)
        {
            switch (TranslationJson.String(format["type"]))
            {
                case "json_object":
                    config["responseMimeType"] = "application/json";
                    break;
                case "json_schema":
                    config["responseMimeType"] = "application/json";
                    if (TranslationJson.Get(format["json_schema"], "schema") is JsonObject schema)
                    {
                        config["responseSchema"] = GeminiSchema.Convert(schema);
                    }

                    break;
            }
        }

        return config;
    }

    private static void Copy(JsonObject request, string from, JsonObject config, string to)
    {
        if (request[from] is JsonValue value)
        {
            config[to] = value.DeepClone();
        }
    }
}
