// LangChain JS's ChatOpenAI on the Responses API (useResponsesApi: true) against a running hub, unchanged except
// baseURL and key. Started by the .NET functional tests (ClientCompatibilityTests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatOpenAI } from '@langchain/openai';

const chat = new ChatOpenAI({
  model: process.env.HUB_MODEL ?? 'demo/echo',
  apiKey: process.env.HUB_API_KEY ?? 'not-needed-yet',
  configuration: { baseURL: `${process.env.HUB_URL ?? 'http://127.0.0.1:8080'}/v1` },
  useResponsesApi: true,
  maxRetries: 0,
});

test('invoke answers through /v1/responses with usage', async () => {
  const message = await chat.invoke([['system', 'You are terse.'], ['human', 'hello from langchain']]);
  assert.equal(message.text, 'hello from langchain');
  assert.equal(message.usage_metadata.output_tokens, 3);
});

test('stream delivers the answer in pieces', async () => {
  const pieces = [];
  for await (const chunk of await chat.stream('streamed by langchain')) {
    if (chunk.text) pieces.push(chunk.text);
  }
  assert.equal(pieces.join(''), 'streamed by langchain');
  assert.ok(pieces.length > 1);
});

test('a bound tool is called with its arguments', async () => {
  const withTool = chat.bindTools([{ type: 'function', function: { name: 'get_weather', description: 'The weather', parameters: { type: 'object', properties: { input: { type: 'string' } } } } }], { tool_choice: 'get_weather' });
  const message = await withTool.invoke('weather in Rome');
  assert.equal(message.tool_calls[0].name, 'get_weather');
  assert.deepEqual(message.tool_calls[0].args, { input: 'weather in Rome' });
});
