// Drives a running gateway with the official OpenAI JavaScript SDK, unchanged, and prints what it saw as JSON.
// Environment: BASE_URL (…/v1), API_KEY, MODEL, MARKER.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 });
const model = process.env.MODEL;
const marker = process.env.MARKER;

const completion = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: `${marker} non-stream` }],
});

let streamed = "";
let usage = null;
const stream = await client.chat.completions.create({
  model,
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: "user", content: `${marker} stream` }],
});
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.delta?.content ?? "";
  usage = chunk.usage ?? usage;
}

const models = [];
for await (const listed of client.models.list()) {
  models.push(listed.id);
}

let notFound = null;
try {
  await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] });
} catch (error) {
  notFound = { status: error.status, code: error.code };
}

console.log(JSON.stringify({
  content: completion.choices[0].message.content,
  finish: completion.choices[0].finish_reason,
  streamed,
  outputTokens: usage?.completion_tokens ?? 0,
  models,
  notFound,
}));
