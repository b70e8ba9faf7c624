// The official `openai` npm client's images.edit against a running hub whose OpenAI provider is a fake upstream that
// keeps the multipart parts it received; the .NET test (ImageEditsTests) then compares them with what was uploaded,
// byte for byte. Started by the .NET functional tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';

const baseURL = `${process.env.HUB_URL ?? 'http://127.0.0.1:8080'}/v1`;
const client = new OpenAI({ baseURL, apiKey: process.env.HUB_API_KEY ?? 'not-needed-yet', maxRetries: 0, timeout: 30_000 });

// The same bytes the .NET test expects: a PNG signature, then a pattern that covers every byte value (CR, LF, 0, …).
function pattern(length, seed) {
  const bytes = Buffer.alloc(length);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  for (let i = 8; i < length; i++) bytes[i] = (i * 31 + seed) % 256;
  return bytes;
}

test('images.edit uploads the image and mask and answers the edited image', async () => {
  const response = await client.images.edit({
    model: 'openai/gpt-image-1',
    image: await toFile(pattern(5000, 7), 'photo.png', { type: 'image/png' }),
    mask: await toFile(pattern(3000, 11), 'mask.png', { type: 'image/png' }),
    prompt: 'add a red hat',
    n: 2,
    size: '1024x1024',
    response_format: 'b64_json',
  });

  assert.equal(typeof response.created, 'number');
  assert.equal(response.data.length, 2);
  for (const image of response.data) {
    assert.deepEqual([...Buffer.from(image.b64_json, 'base64').subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  }
  assert.ok(response.usage.output_tokens > 0);
});

test('a model that cannot edit is the SDK\'s BadRequestError naming the model', async () => {
  await assert.rejects(
    client.images.edit({ model: 'openai/dall-e-3', image: await toFile(pattern(100, 1), 'a.png', { type: 'image/png' }), prompt: 'x' }),
    (error) => error instanceof OpenAI.BadRequestError && error.status === 400 && error.param === 'model',
  );
});
