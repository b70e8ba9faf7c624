// The translated surfaces with real providers' protocols behind them: the hub's functional tests point an `openai`
// provider and an `anthropic` provider at fake upstreams that answer "You said: <last user message>", and pass their
// model names as HUB_OPENAI_MODEL and HUB_ANTHROPIC_MODEL. Each client is unchanged except baseURL and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateText, streamText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { ChatOpenAI } from '@langchain/openai';

const hub = process.env.HUB_URL ?? 'http://127.0.0.1:8080';
const apiKey = process.env.HUB_API_KEY ?? 'not-needed-yet';
const openaiModel = process.env.HUB_OPENAI_MODEL ?? 'openai/gpt-4o-mini';
const anthropicModel = process.env.HUB_ANTHROPIC_MODEL ?? 'anthropic/claude-sonnet-4-5';
const openai = new OpenAI({ baseURL: `${hub}/v1`, apiKey, maxRetries: 0, timeout: 30_000 });
const anthropic = new Anthropic({ baseURL: hub, apiKey, maxRetries: 0, timeout: 30_000 });
const vercel = createOpenAI({ baseURL: `${hub}/v1`, apiKey });

for (const model of [openaiModel, anthropicModel]) {
  test(`openai responses.create and responses.stream through ${model}`, async () => {
    const response = await openai.responses.create({ model, instructions: 'Be brief.', input: 'hello upstream' });
    assert.equal(response.output_text, 'You said: hello upstream');
    assert.ok(response.usage.output_tokens > 0);

    const final = await openai.responses.stream({ model, input: 'stream upstream' }).finalResponse();
    assert.equal(final.output_text, 'You said: stream upstream');
  });

  test(`openai completions.create through ${model}`, async () => {
    const completion = await openai.completions.create({ model, prompt: 'complete upstream' });
    assert.equal(completion.choices[0].text, 'You said: complete upstream');
  });

  test(`anthropic messages.create and messages.stream through ${model}`, async () => {
    const message = await anthropic.messages.create({ model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hi upstream' }] });
    assert.deepEqual(message.content, [{ type: 'text', text: 'You said: hi upstream' }]);
    assert.equal(message.stop_reason, 'end_turn');

    const final = await anthropic.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'streamed upstream' }] }).finalMessage();
    assert.equal(final.content[0].text, 'You said: streamed upstream');
    assert.ok(final.usage.output_tokens > 0);
  });

  test(`vercel ai generateText and streamText through ${model}`, async () => {
    const result = await generateText({ model: vercel(model), prompt: 'vercel upstream', maxRetries: 0 });
    assert.equal(result.text, 'You said: vercel upstream');

    const streamed = streamText({ model: vercel(model), prompt: 'vercel streamed', maxRetries: 0 });
    assert.equal(await streamed.text, 'You said: vercel streamed');
  });

  test(`langchain with useResponsesApi through ${model}`, async () => {
    const chat = new ChatOpenAI({ model, apiKey, configuration: { baseURL: `${hub}/v1` }, useResponsesApi: true, maxRetries: 0 });
    const message = await chat.invoke('langchain upstream');
    assert.equal(message.text, 'You said: langchain upstream');
  });
}
