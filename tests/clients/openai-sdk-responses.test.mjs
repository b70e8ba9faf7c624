// The official `openai` npm client's Responses API and legacy completions against a running hub, unchanged except
// baseURL and key. Started by the .NET functional tests (ClientCompatibilityTests), which pass HUB_URL and HUB_API_KEY;
// HUB_MODEL names the model (demo/echo by default, or a model served through a fake upstream).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = `${process.env.HUB_URL ?? 'http://127.0.0.1:8080'}/v1`;
const model = process.env.HUB_MODEL ?? 'demo/echo';
const client = new OpenAI({ baseURL, apiKey: process.env.HUB_API_KEY ?? 'not-needed-yet', maxRetries: 0, timeout: 30_000 });

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'], additionalProperties: false },
  strict: true,
};

test('responses.create answers text with output_text and usage', async () => {
  const response = await client.responses.create({ model, instructions: 'You are terse.', input: 'hello from the responses api' });

  assert.equal(response.object, 'response');
  assert.match(response.id, /^resp_/);
  assert.equal(response.status, 'completed');
  assert.equal(response.output_text, 'hello from the responses api');
  assert.equal(response.output[0].type, 'message');
  assert.equal(response.output[0].role, 'assistant');
  assert.ok(response.usage.input_tokens > 0);
  assert.equal(response.usage.output_tokens, 5);
  assert.equal(response.usage.total_tokens, response.usage.input_tokens + response.usage.output_tokens);
});

test('responses.create with stream: true delivers the semantic events in order', async () => {
  const stream = await client.responses.create({ model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream these four words' }] }], stream: true });
  const types = [];
  const deltas = [];
  let completed = null;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'response.output_text.delta') deltas.push(event.delta);
    if (event.type === 'response.completed') completed = event.response;
  }

  assert.deepEqual(deltas, ['stream', ' these', ' four', ' words']);
  assert.equal(types[0], 'response.created');
  assert.equal(types[1], 'response.in_progress');
  for (const type of ['response.output_item.added', 'response.content_part.added', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done']) {
    assert.ok(types.includes(type), `${type} was sent`);
  }
  assert.equal(types.at(-1), 'response.completed');
  assert.equal(completed.output[0].content[0].text, 'stream these four words');
  assert.equal(completed.usage.output_tokens, 4);
});

test('responses.stream assembles the final response', async () => {
  const stream = client.responses.stream({ model, input: 'assembled by the helper' });
  let text = '';
  stream.on('response.output_text.delta', (event) => { text += event.delta; });
  const final = await stream.finalResponse();
  assert.equal(final.output_text, 'assembled by the helper');
  assert.equal(text, 'assembled by the helper');
});

test('a function tool round trip: the model calls the tool, the output goes back as function_call_output', async () => {
  const input = [{ role: 'user', content: 'what is the weather in Paris?' }];
  const first = await client.responses.create({ model, input, tools: [weatherTool], tool_choice: 'required' });
  const call = first.output.find((item) => item.type === 'function_call');
  assert.ok(call, 'the answer holds a function call');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { input: 'what is the weather in Paris?' });

  const second = await client.responses.create({
    model,
    input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 degrees' }],
    tools: [weatherTool],
  });
  assert.equal(second.output_text, 'sunny, 21 degrees');
});

test('a streamed function call arrives as argument deltas and a done event', async () => {
  const stream = client.responses.stream({ model, input: 'call get_weather for Oslo', tools: [weatherTool], tool_choice: { type: 'function', name: 'get_weather' } });
  let argumentText = '';
  stream.on('response.function_call_arguments.delta', (event) => { argumentText += event.delta; });
  const final = await stream.finalResponse();
  const call = final.output.find((item) => item.type === 'function_call');
  assert.equal(call.name, 'get_weather');
  assert.equal(call.arguments, argumentText);
  assert.deepEqual(JSON.parse(call.arguments), { input: 'call get_weather for Oslo' });
});

test('text.format json_schema answers JSON', async () => {
  const response = await client.responses.create({
    model,
    input: 'structured please',
    text: { format: { type: 'json_schema', name: 'echo', schema: { type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'], additionalProperties: false }, strict: true } },
  });
  assert.deepEqual(JSON.parse(response.output_text), { echo: 'structured please' });
});

test('max_output_tokens cuts the answer and the response is incomplete', async () => {
  const response = await client.responses.create({ model, input: 'one two three four five', max_output_tokens: 2 });
  assert.equal(response.status, 'incomplete');
  assert.equal(response.incomplete_details.reason, 'max_output_tokens');
  assert.equal(response.output_text, 'one two');
});

test('previous_response_id is refused as a BadRequestError naming it (the hub stores no responses)', async () => {
  await assert.rejects(
    client.responses.create({ model, input: 'hi', previous_response_id: 'resp_123' }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error?.constructor?.name}`);
      assert.equal(error.param, 'previous_response_id');
      return true;
    },
  );
});

test('completions.create answers a legacy text completion', async () => {
  const completion = await client.completions.create({ model, prompt: 'complete this text' });
  assert.equal(completion.object, 'text_completion');
  assert.equal(completion.choices[0].text, 'complete this text');
  assert.equal(completion.choices[0].finish_reason, 'stop');
  assert.equal(completion.usage.completion_tokens, 3);
});

test('completions.create with stream: true streams text_completion chunks', async () => {
  const stream = await client.completions.create({ model, prompt: 'a streamed completion', stream: true, stream_options: { include_usage: true } });
  const pieces = [];
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'text_completion');
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) pieces.push(choice.text);
  }
  assert.equal(pieces.join(''), 'a streamed completion');
  assert.equal(usage.completion_tokens, 3);
});

test('completions.create refuses suffix as a BadRequestError naming it', async () => {
  await assert.rejects(client.completions.create({ model, prompt: 'x', suffix: 'y' }), (error) => {
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.param, 'suffix');
    return true;
  });
});
