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
  // As in OpenAI's answers: refusal is null, tool_calls absent when no tool was called, logprobs null.
  assert.equal(completion.choices[0].message.refusal, null);
  assert.ok(!('tool_calls' in completion.choices[0].message), 'a text answer has no tool_calls member');
  assert.equal(completion.choices[0].logprobs, null);
  assert.equal(completion.choices[0].finish_reason, 'stop');
  assert.deepEqual(completion.usage, { prompt_tokens: 8, completion_tokens: 5, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0 } });
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
  assert.deepEqual(usage, { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8, prompt_tokens_details: { cached_tokens: 0 } });
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

test('a value of the wrong JSON type (as untyped JavaScript can send) is a BadRequestError naming the field', async () => {
  await assert.rejects(
    client.embeddings.create({ model: 'demo/embed', input: 'hi', dimensions: '8' }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error?.constructor?.name}`);
      assert.equal(error.param, 'dimensions');
      assert.equal(error.message, "400 Invalid type for 'dimensions': expected an integer, but got a string instead.");
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

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
  },
};

test('a two-step tool-call round trip: the model asks for a call, the tool result is answered', async () => {
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const first = await client.chat.completions.create({ model: 'demo/echo', messages, tools: [weatherTool], tool_choice: 'required' });

  const choice = first.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.strictEqual(choice.message.content, null, 'a tool-call answer has content: null, as OpenAI sends it');
  assert.equal(choice.message.tool_calls.length, 1);
  const call = choice.message.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { input: 'What is the weather in Paris?' });

  messages.push(choice.message);
  messages.push({ role: 'tool', tool_call_id: call.id, content: 'Sunny, 21 degrees' });
  const second = await client.chat.completions.create({ model: 'demo/echo', messages, tools: [weatherTool] });

  assert.equal(second.choices[0].finish_reason, 'stop');
  assert.equal(second.choices[0].message.content, 'Sunny, 21 degrees');
});

test('a streamed tool call is assembled by the SDK into one call with its arguments', async () => {
  const stream = client.chat.completions.stream({
    model: 'demo/echo',
    messages: [{ role: 'user', content: 'call get_weather for Rome' }],
    tools: [weatherTool],
  });

  const final = await stream.finalChatCompletion();

  const call = final.choices[0].message.tool_calls[0];
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'get_weather');
  assert.match(call.id, /^call_/);
  assert.deepEqual(JSON.parse(call.function.arguments), { input: 'call get_weather for Rome' });
});

test('a tool result for a call that was never made is a BadRequestError', async () => {
  await assert.rejects(
    client.chat.completions.create({
      model: 'demo/echo',
      messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_nobody_made', content: '1' }],
    }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.status, 400);
      assert.match(error.message, /call_nobody_made/);
      return true;
    },
  );
});

test('JSON mode answers valid JSON', async () => {
  const completion = await client.chat.completions.create({
    model: 'demo/echo',
    messages: [{ role: 'user', content: 'answer in json please' }],
    response_format: { type: 'json_object' },
  });

  assert.deepEqual(JSON.parse(completion.choices[0].message.content), { echo: 'answer in json please' });
});

test('n asks for several choices: each answers, indexed, and usage counts every one', async () => {
  const single = await client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'three little words' }] });
  const completion = await client.chat.completions.create({
    model: 'demo/echo',
    messages: [{ role: 'user', content: 'three little words' }],
    n: 3,
  });

  assert.deepEqual(completion.choices.map((c) => c.index), [0, 1, 2]);
  for (const choice of completion.choices) {
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, 'three little words');
    assert.equal(choice.finish_reason, 'stop');
  }
  assert.equal(completion.usage.prompt_tokens, 3 * single.usage.prompt_tokens);
  assert.equal(completion.usage.completion_tokens, 3 * single.usage.completion_tokens);
});

test('a streamed call with n is assembled by the SDK into every choice', async () => {
  const runner = client.chat.completions.stream({
    model: 'demo/echo',
    messages: [{ role: 'user', content: 'streamed in two' }],
    n: 2,
    stream_options: { include_usage: true },
  });
  const seen = new Set();
  runner.on('chunk', (chunk) => chunk.choices.forEach((c) => seen.add(c.index)));

  const final = await runner.finalChatCompletion();

  assert.deepEqual([...seen].sort(), [0, 1]);
  assert.deepEqual(final.choices.map((c) => [c.index, c.message.content, c.finish_reason]), [[0, 'streamed in two', 'stop'], [1, 'streamed in two', 'stop']]);
  assert.equal(final.usage.completion_tokens, 6);
});

test('n above the hub\'s limit is a BadRequestError naming n', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }], n: 9 }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'n',
  );
});
