// The official `openai` npm client against the hub's response cache (demo provider), asking for it the way the SDK
// lets a caller send any header: defaultHeaders on the client, or headers per request. Started by the .NET
// functional tests (ResponseCacheSurfaceTests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = `${process.env.HUB_URL ?? 'http://127.0.0.1:8080'}/v1`;
const client = new OpenAI({
  baseURL,
  apiKey: process.env.HUB_API_KEY ?? 'not-needed-yet',
  maxRetries: 0,
  timeout: 30_000,
  defaultHeaders: { 'x-aignehub-cache': 'use' },
});

const run = `${process.pid}-${Date.now()}`;

async function streamed(content) {
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'demo/echo', temperature: 0, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content }] })
    .withResponse();
  const pieces = [];
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      if (choice.delta?.content) pieces.push(choice.delta.content);
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  return { cache: response.headers.get('x-aignehub-cache'), pieces, usage, finish };
}

test('a repeated streamed request is replayed from the cache: same text, a finish reason and usage', async () => {
  const content = `the cached stream replays every word of this sentence ${run}`;
  const miss = await streamed(content);
  const hit = await streamed(content);

  assert.equal(miss.cache, 'miss');
  assert.equal(hit.cache, 'hit');
  assert.equal(hit.pieces.join(''), miss.pieces.join(''));
  assert.ok(hit.pieces.length > 1, `${hit.pieces.length} pieces`);
  assert.equal(hit.finish, 'stop');
  assert.deepEqual(hit.usage, miss.usage);
});

test('a per-request header bypasses the cache the client turned on', async () => {
  const content = `bypassed ${run}`;
  await client.chat.completions.create({ model: 'demo/echo', temperature: 0, messages: [{ role: 'user', content }] });
  const { response } = await client.chat.completions
    .create({ model: 'demo/echo', temperature: 0, messages: [{ role: 'user', content }] }, { headers: { 'x-aignehub-cache': 'bypass' } })
    .withResponse();

  assert.equal(response.headers.get('x-aignehub-cache'), 'bypass');
});
