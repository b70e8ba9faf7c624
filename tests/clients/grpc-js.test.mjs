// grpc-js (the gRPC client of Node.js) against the hub's gRPC port, with no generated code: what a client sees of the
// hub's refusals. HUB_GRPC_URL is the hub's gRPC address (http://127.0.0.1:port).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';

const target = new URL(process.env.HUB_GRPC_URL).host;

function unary(client, method, metadata) {
  return new Promise((resolve) => {
    // An empty CreateChatCompletionRequest: the refusal comes before the message is read.
    client.makeUnaryRequest(method, (bytes) => bytes, (bytes) => bytes, Buffer.alloc(0), metadata, (error, answer) => resolve({ error, answer }));
  });
}

test('grpc-js reads the refusal message of a call without a key intact', async () => {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  try {
    const { error } = await unary(client, '/aignehub.v1.Inference/CreateChatCompletion', new grpc.Metadata());

    assert.equal(error.code, grpc.status.UNAUTHENTICATED);
    assert.equal(error.details, "You didn't provide an access key. Send it as 'Authorization: Bearer ahk_…'.");
  } finally {
    client.close();
  }
});

test('grpc-js reads the refusal message of a wrong key intact', async () => {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  try {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', 'Bearer ahk_0000000000000001_not-the-right-secret-0123456789-abcdefghijklmn');

    const { error } = await unary(client, '/aignehub.v1.Inference/CreateChatCompletion', metadata);

    assert.equal(error.code, grpc.status.UNAUTHENTICATED);
    assert.doesNotMatch(error.details, /%[0-9A-F]{2}/, `the message arrives decoded: ${error.details}`);
  } finally {
    client.close();
  }
});
