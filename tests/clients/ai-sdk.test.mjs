// The Vercel AI SDK with its default OpenAI provider (`openai('model')`, which calls the Responses API) against a
// running hub, unchanged except baseURL and key. Started by the .NET functional tests (ClientCompatibilityTests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateText, streamText, tool, jsonSchema, stepCountIs, Output } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';

const openai = createOpenAI({ baseURL: `${process.env.HUB_URL ?? 'http://127.0.0.1:8080'}/v1`, apiKey: process.env.HUB_API_KEY ?? 'not-needed-yet' });
const model = openai(process.env.HUB_MODEL ?? 'demo/echo');

test('generateText with the default provider answers through /v1/responses', async () => {
  const result = await generateText({ model, prompt: 'hello from the vercel ai sdk', maxRetries: 0 });
  assert.equal(result.text, 'hello from the vercel ai sdk');
  assert.equal(result.finishReason, 'stop');
  assert.equal(result.usage.outputTokens, 6);
  assert.ok(result.usage.inputTokens > 0);
});

test('streamText streams the answer and reports usage', async () => {
  const result = streamText({ model, prompt: 'streamed by the vercel ai sdk', maxRetries: 0 });
  const pieces = [];
  for await (const piece of result.textStream) pieces.push(piece);
  assert.equal(pieces.join(''), 'streamed by the vercel ai sdk');
  assert.ok(pieces.length > 1, 'more than one piece');
  assert.equal(await result.finishReason, 'stop');
  assert.equal((await result.usage).outputTokens, 6);
});

const weather = tool({
  description: 'The weather in a city',
  inputSchema: jsonSchema({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'] }),
  execute: async ({ input }) => `sunny in ${input.split(' ').at(-1)}`,
});

test('streamText streams a tool call, runs the tool and streams the final text', async () => {
  const result = streamText({ model, prompt: 'use get_weather for Lima', maxRetries: 0, tools: { get_weather: weather }, stopWhen: stepCountIs(3) });
  const kinds = new Set();
  for await (const part of result.fullStream) kinds.add(part.type);
  assert.ok(kinds.has('tool-input-delta'), `tool input was streamed: ${[...kinds]}`);
  assert.ok(kinds.has('tool-result'));
  assert.equal(await result.text, 'sunny in Lima');
  assert.equal((await result.steps)[0].toolCalls[0].input.input, 'use get_weather for Lima');
});

test('generateText runs a tool loop: the tool call, its result sent back, the final text', async () => {
  const result = await generateText({
    model,
    prompt: 'use get_weather for Paris',
    maxRetries: 0,
    tools: { get_weather: weather },
    stopWhen: stepCountIs(3),
  });
  assert.equal(result.steps.length, 2);
  assert.equal(result.steps[0].toolCalls[0].toolName, 'get_weather');
  assert.equal(result.text, 'sunny in Paris');
});

test('structured output goes as text.format json_schema and comes back parsed', async () => {
  const result = await generateText({
    model,
    prompt: 'structured by vercel',
    maxRetries: 0,
    output: Output.object({ schema: jsonSchema({ type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'], additionalProperties: false }) }),
  });
  assert.deepEqual(result.output, { echo: 'structured by vercel' });
});
