// CRC-64 checks with a server that lies: an undici interceptor rewrites x-oss-hash-crc64ecma on chosen responses.
// A part whose CRC disagrees is re-sent; if it keeps disagreeing the upload fails loudly and is never completed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, DecoratorHandler, type Dispatcher } from 'undici';
import { uploadFile } from '../../src/transfer/index.js';
import { IntegrityError, ServiceError } from '../../src/core/errors.js';
import { PART, makeFile, objectBytes, setup } from './fixtures.js';

/** A dispatcher whose responses to requests matching `when` carry a wrong CRC-64 header. */
function lyingAgent(when: (opts: Dispatcher.DispatchOptions) => boolean): Dispatcher {
  class WrongCrc extends DecoratorHandler {
    onResponseStart(controller: unknown, status: number, headers: Record<string, string | string[]>, message?: string) {
      if (headers['x-oss-hash-crc64ecma']) headers['x-oss-hash-crc64ecma'] = '12345';
      // @ts-expect-error DecoratorHandler's typings lag its runtime (undici 7 handler API).
      return super.onResponseStart(controller, status, headers, message);
    }
  }
  return new Agent().compose((dispatch) => (opts, handler) =>
    when(opts) ? dispatch(opts, new WrongCrc(handler) as unknown as Dispatcher.DispatchHandler) : dispatch(opts, handler));
}

const isPart = (n: number) => (opts: Dispatcher.DispatchOptions) => opts.method === 'PUT' && String(opts.path).includes(`partNumber=${n}&`);

test('a part whose CRC-64 disagrees once is re-sent and the object completes byte-identical', async (t) => {
  const env = await setup(t);
  let lies = 1;
  const dispatcher = lyingAgent((o) => isPart(2)(o) && lies-- > 0);
  t.after(() => dispatcher.close());
  const client = env.clientFor(env.server.endpoint, { dispatcher });
  const { file, data } = await makeFile(env.dir, 'i.bin', 4 * PART, 61);
  const res = await uploadFile(client, { bucket: env.bucket, key: 'i', file });
  assert.equal(lies, -1, 'the lie was told');
  assert.equal(res.parts, 4);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'i'), data);
});

test('a part whose CRC-64 keeps disagreeing fails with IntegrityError and the object is never completed', async (t) => {
  const env = await setup(t);
  const dispatcher = lyingAgent(isPart(3));
  t.after(() => dispatcher.close());
  const client = env.clientFor(env.server.endpoint, { dispatcher });
  const { file } = await makeFile(env.dir, 'j.bin', 4 * PART, 62);
  const err = await uploadFile(client, { bucket: env.bucket, key: 'j', file, checkpoint: true }).catch((e: unknown) => e);
  assert.ok(err instanceof IntegrityError, String(err));
  assert.equal(err.check, 'crc64');
  assert.equal(err.expected, '12345');
  await assert.rejects(env.client.headObject(env.bucket, 'j'), (e: unknown) => e instanceof ServiceError && e.status === 404);
});

test('a Complete whose CRC-64 disagrees with the combined parts fails loudly', async (t) => {
  const env = await setup(t);
  const dispatcher = lyingAgent((o) => o.method === 'POST' && String(o.path).includes('uploadId='));
  t.after(() => dispatcher.close());
  const client = env.clientFor(env.server.endpoint, { dispatcher });
  const { file } = await makeFile(env.dir, 'k.bin', 3 * PART, 63);
  const err = await uploadFile(client, { bucket: env.bucket, key: 'k', file }).catch((e: unknown) => e);
  assert.ok(err instanceof IntegrityError, String(err));
});

test('a single PutObject whose CRC-64 keeps disagreeing fails with IntegrityError', async (t) => {
  const env = await setup(t);
  const dispatcher = lyingAgent((o) => o.method === 'PUT');
  t.after(() => dispatcher.close());
  const client = env.clientFor(env.server.endpoint, { dispatcher });
  const { file } = await makeFile(env.dir, 's.bin', 1000, 64);
  const err = await uploadFile(client, { bucket: env.bucket, key: 's', file }).catch((e: unknown) => e);
  assert.ok(err instanceof IntegrityError, String(err));
});
