// The official `openai` npm client's embeddings, images and models calls against a running hub (demo provider),
// unchanged except baseURL and key. Started by the .NET functional tests (OpenAISdkCompatibilityTests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = `${process.env.HUB_URL ?? 'http://127.0.0.1:8080'}/v1`;
const client = new OpenAI({ baseURL, apiKey: process.env.HUB_API_KEY ?? 'not-needed-yet', maxRetries: 0, timeout: 30_000 });

test('embeddings as floats come back in the OpenAI shape, one per input in order', async () => {
  const response = await client.embeddings.create({ model: 'demo/embed', input: ['first text', 'second text'], encoding_format: 'float' });

  assert.equal(response.object, 'list');
  assert.equal(response.model, 'demo/embed');
  assert.deepEqual(response.data.map((d) => [d.object, d.index]), [['embedding', 0], ['embedding', 1]]);
  assert.equal(response.data[0].embedding.length, 16);
  assert.ok(response.data[0].embedding.every((v) => typeof v === 'number'));
  assert.notDeepEqual(response.data[0].embedding, response.data[1].embedding);
  assert.deepEqual(response.usage, { prompt_tokens: 4, total_tokens: 4 });
});

test('the SDK default (base64 on the wire, decoded by the SDK) gives the same vectors as floats', async () => {
  const floats = await client.embeddings.create({ model: 'demo/embed', input: 'same words', dimensions: 8, encoding_format: 'float' });
  const decoded = await client.embeddings.create({ model: 'demo/embed', input: 'same words', dimensions: 8 });
  const raw = await client.embeddings.create({ model: 'demo/embed', input: 'same words', dimensions: 8, encoding_format: 'base64' });

  assert.equal(typeof raw.data[0].embedding, 'string');
  assert.equal(Buffer.from(raw.data[0].embedding, 'base64').length, 8 * 4);
  assert.deepEqual(Array.from(decoded.data[0].embedding), floats.data[0].embedding.map((v) => Math.fround(v)));
});

test('a bad embeddings request is the SDK\'s BadRequestError naming the parameter', async () => {
  await assert.rejects(
    client.embeddings.create({ model: 'demo/embed', input: [], encoding_format: 'float' }),
    (error) => error instanceof OpenAI.BadRequestError && error.status === 400 && error.param === 'input',
  );
});

test('images as b64_json are PNG bytes', async () => {
  const response = await client.images.generate({ model: 'demo/image', prompt: 'a blue square', n: 2, response_format: 'b64_json' });

  assert.equal(typeof response.created, 'number');
  assert.equal(response.data.length, 2);
  for (const image of response.data) {
    assert.deepEqual([...Buffer.from(image.b64_json, 'base64').subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  }
});

test('images as url are served by the hub and hold the same bytes', async () => {
  const bytes = await client.images.generate({ model: 'demo/image', prompt: 'a red square', response_format: 'b64_json' });
  const linked = await client.images.generate({ model: 'demo/image', prompt: 'a red square', response_format: 'url' });

  const url = new URL(linked.data[0].url);
  assert.equal(url.origin, new URL(baseURL).origin);
  const fetched = await fetch(url);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), Buffer.from(bytes.data[0].b64_json, 'base64'));
});

test('the models list pages through the enabled providers\' models, and one model is retrieved by id', async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    assert.equal(model.object, 'model');
    assert.equal(typeof model.created, 'number');
    ids.push(model.id);
  }

  assert.ok(ids.includes('demo/echo'));
  assert.ok(ids.includes('demo/embed'));
  assert.ok(ids.includes('demo/image'));

  const echo = await client.models.retrieve('demo/echo');
  assert.equal(echo.id, 'demo/echo');
  assert.equal(echo.owned_by, 'demo');
  await assert.rejects(client.models.retrieve('nobody/nothing'), (error) => error instanceof OpenAI.NotFoundError);
});
