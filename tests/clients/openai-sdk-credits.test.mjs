// The official `openai` npm client against a hub in credits mode: a caller without credit gets a 402 APIError in
// OpenAI's envelope (type insufficient_quota) with the payment link. Started by the billing functional tests, which
// pass HUB_URL, HUB_API_KEY and HUB_TEST_USER (the test fixture's stand-in for the caller's identity).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({
  baseURL: `${process.env.HUB_URL}/v1`,
  apiKey: process.env.HUB_API_KEY,
  maxRetries: 0,
  timeout: 30_000,
  defaultHeaders: { 'x-test-user': process.env.HUB_TEST_USER },
});

test('a caller without credit surfaces as a 402 APIError with type insufficient_quota', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    (error) => {
      assert.ok(error instanceof OpenAI.APIError, `expected APIError, got ${error?.constructor?.name}`);
      assert.equal(error.status, 402);
      assert.equal(error.type, 'insufficient_quota');
      assert.equal(error.code, 'insufficient_quota');
      assert.match(error.message, /https:\/\/pay\.example\/credits/);
      return true;
    },
  );
});
