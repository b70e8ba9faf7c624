// The AIGNE framework's own hub client (@aigne/aigne-hub) against a running AIGNE Hub, unchanged except the hub's
// URL and key. Started by the .NET functional tests (AigneClientCompatibilityTests), which pass HUB_URL and HUB_API_KEY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AIGNEHubChatModel, AIGNEHubImageModel } from '@aigne/aigne-hub';

const baseURL = process.env.HUB_URL ?? 'http://127.0.0.1:8080';
const apiKey = process.env.HUB_API_KEY ?? 'not-needed-yet';
// models() finds the hub through this variable, not through the model's baseURL.
process.env.AIGNE_HUB_API_URL = baseURL;
const chat = (model = 'aignehub/demo/echo') => new AIGNEHubChatModel({ baseURL, apiKey, model });

test('a non-streaming chat through the aignehub/ prefix answers with text, model and usage', async () => {
  const output = await chat().invoke({
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'hello from the aigne client' },
    ],
  });

  assert.equal(output.text, 'hello from the aigne client');
  assert.equal(output.model, 'demo/echo');
  assert.deepEqual(output.usage, { inputTokens: 8, outputTokens: 5 });
});

test('a streaming chat delivers text deltas and a final usage', async () => {
  const stream = await chat().invoke({ messages: [{ role: 'user', content: 'four words streamed here' }] }, { streaming: true });

  let text = '';
  let last;
  for await (const chunk of stream) {
    if (chunk.delta?.text?.text) text += chunk.delta.text.text;
    last = chunk;
  }

  assert.equal(text, 'four words streamed here');
  assert.deepEqual(last.delta.json.usage, { inputTokens: 4, outputTokens: 4 });
  assert.equal(last.delta.json.model, 'demo/echo');
});

test('a multi-turn conversation with an agent reply is accepted', async () => {
  const output = await chat().invoke({
    messages: [
      { role: 'user', content: 'first question' },
      { role: 'agent', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ],
  });

  assert.equal(output.text, 'second question');
});

test('a required tool call comes back as toolCalls with parsed arguments', async () => {
  const output = await chat().invoke({
    messages: [{ role: 'user', content: 'weather in Paris' }],
    tools: [{
      type: 'function',
      function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { input: { type: 'string' } } } },
    }],
    toolChoice: 'required',
  });

  assert.equal(output.toolCalls.length, 1);
  assert.equal(output.toolCalls[0].function.name, 'get_weather');
  assert.deepEqual(output.toolCalls[0].function.arguments, { input: 'weather in Paris' });
});

test('an unknown model is raised as an error carrying the hub message', async () => {
  await assert.rejects(
    chat('aignehub/demo/no-such-model').invoke({ messages: [{ role: 'user', content: 'hi' }] }),
    (error) => {
      assert.match(error.message, /demo\/no-such-model/);
      return true;
    },
  );
});

test('the models list names the demo models by type with rates as strings', async () => {
  const models = await chat().models();

  const echo = models.find((m) => m.provider === 'demo' && m.model === 'echo');
  assert.ok(echo, JSON.stringify(models));
  assert.equal(echo.type, 'chat');
  assert.equal(typeof echo.input_credits_per_token, 'string');
  assert.ok(models.every((m) => m.type === 'chat'));
});

test('AIGNEHubImageModel generates an image the hub serves at a link', async () => {
  const images = new AIGNEHubImageModel({ baseURL, apiKey, model: 'aignehub/demo/image' });

  const output = await images.invoke({ prompt: 'a red square', n: 1, outputFileType: 'url' });

  assert.equal(output.images.length, 1);
  assert.equal(output.images[0].type, 'url');
  const response = await fetch(output.images[0].url, { headers: { Authorization: `Bearer ${apiKey}` } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/png');
  assert.equal(output.model, 'demo/image');
});
