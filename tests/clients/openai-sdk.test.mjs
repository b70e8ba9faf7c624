// The official `openai` npm client against a running hub, unchanged except baseURL and key.
// Started by the .NET functional tests (OpenAISdkCompatibilityTests), which pass HUB_URL and HUB_API_KEY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = `${process.env.HUB_URL ?? 'http://127.0.0.1:8080'}/v1`;
const client = new OpenAI({ baseURL, apiKey: process.env.HUB_API_KEY ?? 'not-needed-yet', maxRetries: 0, timeout: 30_000 });

test('non-streaming chat with the demo model returns the echo and honest usage', async () => {
  const completion = await client.chat.completions.create({
    model: 'demo/echo',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'hello from the openai sdk' },
    ],
  });

  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'demo/echo');
  assert.equal(typeof completion.created, 'number');
  assert.match(completion.id, /^chatcmpl-/);
  assert.equal(completion.choices.length, 1);
  assert.equal(completion.choices[0].message.role, 'assistant');
  assert.equal(completion.choices[0].message.content, 'hello from the openai sdk');
  assert.equal(completion.choices[0].finish_reason, 'stop');
  assert.deepEqual(completion.usage, { prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 });
});

test('streaming chat delivers the answer word by word and a final usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'demo/echo',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'stream these four words' }] }],
    stream: true,
    stream_options: { include_usage: true },
  });

  const pieces = [];
  let finishReason = null;
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.delta?.content) pieces.push(choice.delta.content);
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  }

  assert.deepEqual(pieces, ['stream', ' these', ' four', ' words']);
  assert.equal(finishReason, 'stop');
  assert.deepEqual(usage, { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 });
});

test('the stream helper assembles the final message', async () => {
  const runner = client.chat.completions.stream({
    model: 'demo/echo',
    messages: [{ role: 'user', content: 'assembled by the helper' }],
  });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, 'assembled by the helper');
});

test('a validation error surfaces as BadRequestError naming the parameter', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }], temperature: 9 }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error?.constructor?.name}`);
      assert.equal(error.status, 400);
      assert.equal(error.param, 'temperature');
      assert.equal(error.type, 'invalid_request_error');
      return true;
    },
  );
});

test('an unknown model surfaces as NotFoundError with code model_not_found', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'demo/no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    (error) => {
      assert.ok(error instanceof OpenAI.NotFoundError, `expected NotFoundError, got ${error?.constructor?.name}`);
      assert.equal(error.code, 'model_not_found');
      return true;
    },
  );
});

test('max_tokens truncates the demo answer with finish_reason length', async () => {
  const completion = await client.chat.completions.create({
    model: 'demo/echo',
    messages: [{ role: 'user', content: 'one two three four five' }],
    max_tokens: 2,
  });
  assert.equal(completion.choices[0].message.content, 'one two');
  assert.equal(completion.choices[0].finish_reason, 'length');
  assert.equal(completion.usage.completion_tokens, 2);
});
