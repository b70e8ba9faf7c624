// The official `@anthropic-ai/sdk` client against the hub's POST /v1/messages, unchanged except baseURL and key (sent
// as x-api-key, as the SDK does). Started by the .NET functional tests (ClientCompatibilityTests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const baseURL = process.env.HUB_URL ?? 'http://127.0.0.1:8080';
const model = process.env.HUB_MODEL ?? 'demo/echo';
const client = new Anthropic({ baseURL, apiKey: process.env.HUB_API_KEY ?? 'not-needed-yet', maxRetries: 0, timeout: 30_000 });
const weather = { name: 'get_weather', description: 'The weather in a city', input_schema: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } };

test('messages.create answers text with Anthropic usage', async () => {
  const message = await client.messages.create({ model, max_tokens: 100, system: 'You are terse.', messages: [{ role: 'user', content: 'hello from the anthropic sdk' }] });
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.deepEqual(message.content, [{ type: 'text', text: 'hello from the anthropic sdk' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.usage.output_tokens, 5);
  assert.ok(message.usage.input_tokens > 0);
});

test('messages.stream delivers text deltas and the final message', async () => {
  const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'stream these four words' }] });
  const pieces = [];
  stream.on('text', (text) => pieces.push(text));
  const final = await stream.finalMessage();
  assert.deepEqual(pieces, ['stream', ' these', ' four', ' words']);
  assert.equal(final.content[0].text, 'stream these four words');
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, 4);
  // message_start cannot know the input tokens yet; message_delta carries them and the SDK takes them from there.
  assert.equal(final.usage.input_tokens, 4);
});

test('a tool round trip: tool_use, then tool_result, then the final text', async () => {
  const messages = [{ role: 'user', content: 'what does get_weather say for Lima?' }];
  const first = await client.messages.create({ model, max_tokens: 100, tools: [weather], tool_choice: { type: 'any' }, messages });
  assert.equal(first.stop_reason, 'tool_use');
  const use = first.content.find((block) => block.type === 'tool_use');
  assert.equal(use.name, 'get_weather');
  assert.deepEqual(use.input, { input: 'what does get_weather say for Lima?' });

  const second = await client.messages.create({
    model,
    max_tokens: 100,
    tools: [weather],
    messages: [...messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'cloudy, 18 degrees' }] }],
  });
  assert.deepEqual(second.content, [{ type: 'text', text: 'cloudy, 18 degrees' }]);
});

test('a streamed tool call arrives as input_json_delta and is assembled', async () => {
  const stream = client.messages.stream({ model, max_tokens: 100, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Quito' }] });
  const final = await stream.finalMessage();
  assert.equal(final.stop_reason, 'tool_use');
  assert.deepEqual(final.content.map((block) => block.type), ['tool_use']);
  assert.deepEqual(final.content[0].input, { input: 'Quito' });
});

test('a missing max_tokens is a BadRequestError in Anthropic\'s error shape', async () => {
  await assert.rejects(client.messages.create({ model, messages: [{ role: 'user', content: 'hi' }] }), (error) => {
    assert.ok(error instanceof Anthropic.BadRequestError, `expected BadRequestError, got ${error?.constructor?.name}`);
    assert.equal(error.error.type, 'error');
    assert.equal(error.error.error.type, 'invalid_request_error');
    assert.match(error.error.error.message, /max_tokens/);
    return true;
  });
});

test('a wrong key is an AuthenticationError', async () => {
  const stranger = new Anthropic({ baseURL, apiKey: 'ahk_00000000000000ff_not-a-real-key-0123456789-abcdefghijklmnopqrstuvw', maxRetries: 0 });
  await assert.rejects(stranger.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (error) => {
    assert.ok(error instanceof Anthropic.AuthenticationError, `expected AuthenticationError, got ${error?.constructor?.name}`);
    assert.equal(error.error.error.type, 'authentication_error');
    return true;
  });
});
