// The AIGNE framework's hub client (@aigne/aigne-hub) against a hub in credits mode: a caller without credit gets the
// hub's 402 NOT_ENOUGH, which the client surfaces as an error carrying the hub's message and payment link. Started by
// the billing functional tests with HUB_URL and HUB_API_KEY (a key whose user has no credit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AIGNEHubChatModel } from '@aigne/aigne-hub';

const baseURL = process.env.HUB_URL;
process.env.AIGNE_HUB_API_URL = baseURL;

test('a chat without credit is refused with the NOT_ENOUGH error and the payment link', async () => {
  const model = new AIGNEHubChatModel({ baseURL, apiKey: process.env.HUB_API_KEY, model: 'aignehub/openai/gpt-4o-mini' });
  await assert.rejects(model.invoke({ messages: [{ role: 'user', content: 'hi' }] }), (error) => {
    console.log(`aigne client error: ${error?.constructor?.name}: ${error?.message}`);
    assert.match(String(error?.message), /credit/i);
    assert.match(String(error?.message), /https:\/\/pay\.example\/credits/);
    return true;
  });
});
