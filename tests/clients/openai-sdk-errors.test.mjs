// The official `openai` npm client's typed errors for the hub's refusals: 401, 403, 429 (and 400/404 in
// openai-sdk.test.mjs). Started by ClientCompatibilityTests, which passes keys prepared through the admin API:
// HUB_RESTRICTED_KEY may call demo/* only; HUB_LIMITED_KEY may make one request per minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = `${process.env.HUB_URL ?? 'http://127.0.0.1:8080'}/v1`;
const clientWith = (apiKey) => new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const hello = [{ role: 'user', content: 'hi' }];

test('a wrong key surfaces as AuthenticationError (401)', async () => {
  const client = clientWith('ahk_0000000000000001_not-the-right-secret-0123456789-abcdefghijklmn');
  await assert.rejects(client.chat.completions.create({ model: 'demo/echo', messages: hello }), (error) => {
    assert.ok(error instanceof OpenAI.AuthenticationError, `expected AuthenticationError, got ${error?.constructor?.name}`);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    return true;
  });
});

test('a model outside the key\'s allow-list surfaces as PermissionDeniedError (403) naming the model', async () => {
  const client = clientWith(process.env.HUB_RESTRICTED_KEY);
  const allowed = await client.chat.completions.create({ model: 'demo/echo', messages: hello });
  assert.equal(allowed.choices[0].message.content, 'hi');
  await assert.rejects(client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: hello }), (error) => {
    assert.ok(error instanceof OpenAI.PermissionDeniedError, `expected PermissionDeniedError, got ${error?.constructor?.name}`);
    assert.equal(error.status, 403);
    assert.equal(error.code, 'model_not_allowed');
    assert.match(error.message, /openai\/gpt-4o-mini/);
    return true;
  });
});

test('a key over its request limit surfaces as RateLimitError (429) with Retry-After', async () => {
  const client = clientWith(process.env.HUB_LIMITED_KEY);
  await client.chat.completions.create({ model: 'demo/echo', messages: hello });
  await assert.rejects(client.chat.completions.create({ model: 'demo/echo', messages: hello }), (error) => {
    assert.ok(error instanceof OpenAI.RateLimitError, `expected RateLimitError, got ${error?.constructor?.name}`);
    assert.equal(error.status, 429);
    assert.ok(Number(error.headers?.get?.('retry-after') ?? error.headers?.['retry-after']) >= 1, 'Retry-After is missing');
    return true;
  });
});
