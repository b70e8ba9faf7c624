// The official `openai` npm client against a hub whose model is served by a (fake) Anthropic upstream, scripted by
// the .NET test (ClientCompatibilityTests) to answer with one tool call and no text. HUB_ANTHROPIC_MODEL names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: `${process.env.HUB_URL}/v1`, apiKey: process.env.HUB_API_KEY, maxRetries: 0, timeout: 30_000 });
const model = process.env.HUB_ANTHROPIC_MODEL;
const request = {
  model,
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
};

test('a tool-call-only answer has the same content streamed (finalChatCompletion) as unary', async () => {
  const unary = await client.chat.completions.create(request);
  const streamed = await client.chat.completions.stream(request).finalChatCompletion();

  assert.equal(unary.choices[0].message.content, null);
  assert.equal(streamed.choices[0].message.content, unary.choices[0].message.content);
  assert.equal(streamed.choices[0].message.tool_calls[0].function.name, 'get_weather');
  assert.equal(streamed.choices[0].message.tool_calls[0].function.arguments, unary.choices[0].message.tool_calls[0].function.arguments);
  assert.equal(streamed.choices[0].finish_reason, 'tool_calls');
});
