// Upload callbacks through uploadFile: success returns the callback server's body; failure (203 CallbackFailed)
// is an error, yet the object is stored and the checkpoint is gone (there is nothing left to resume).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { stat } from 'node:fs/promises';
import { uploadFile } from '../../../src/transfer/index.js';
import { ServiceError } from '../../../src/core/errors.js';
import { PART, makeFile, objectBytes, setup } from '../fixtures.js';

async function callbackServer(t: { after: (fn: () => Promise<void>) => void }, status: number) {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? JSON.stringify({ ok: true, got: bodies.at(-1) }) : '{"error":"nope"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, bodies };
}

for (const [kind, size] of [
  ['multipart', 3 * PART + 1],
  ['single put', 1000],
] as const) {
  test(`${kind}: a successful callback's body is returned`, async (t) => {
    const env = await setup(t);
    const cb = await callbackServer(t, 200);
    const { file, data } = await makeFile(env.dir, 'cb.bin', size, 21);
    const res = await uploadFile(env.client, {
      bucket: env.bucket,
      key: 'cb',
      file,
      checkpoint: true,
      callback: { url: cb.url, body: 'bucket=${bucket}&object=${object}&size=${size}&who=${x:who}' },
      callbackVars: { who: 'tester' },
    });
    assert.equal(cb.bodies.length, 1);
    assert.equal(cb.bodies[0], `bucket=${env.bucket}&object=cb&size=${size}&who=tester`);
    assert.deepEqual(JSON.parse(res.callbackBody!), { ok: true, got: cb.bodies[0] });
    assert.deepEqual(await objectBytes(env.client, env.bucket, 'cb'), data);
  });

  test(`${kind}: a failed callback is CallbackFailed (203), the object is stored and the checkpoint removed`, async (t) => {
    const env = await setup(t);
    const cb = await callbackServer(t, 500);
    const { file, data } = await makeFile(env.dir, 'cbf.bin', size, 22);
    const err = await uploadFile(env.client, {
      bucket: env.bucket,
      key: 'cbf',
      file,
      checkpoint: true,
      callback: { url: cb.url, body: '{"object":${object}}', bodyType: 'application/json' },
    }).catch((e: unknown) => e);
    assert.ok(err instanceof ServiceError, String(err));
    assert.equal(err.code, 'CallbackFailed');
    assert.equal(err.status, 203);
    assert.equal(cb.bodies.length, 1, 'a callback failure is not retried');
    assert.deepEqual(await objectBytes(env.client, env.bucket, 'cbf'), data);
    await assert.rejects(stat(`${file}.ucp`), { code: 'ENOENT' });
  });
}
