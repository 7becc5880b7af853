// PutObject's cheap paths keep every check (issue 27): on a memory filesystem the fsyncs are made synchronously,
// and a large body's chunks are handed to the hashing thread instead of read back. On such a root and on a disk
// alike: a bad signature, a wrong Content-MD5 (small body hashed inline, large one on the hashing thread), a write
// precondition, forbid-overwrite and a client gone mid-body store nothing, and what is stored has the right ETag,
// CRC-64 and bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc64ToDecimal, crc64 } from '../../src/core/crc64.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode, mkBucket, pathOf, signHeaders, type CallOptions } from '../../harness/oss-http.js';

const TMPFS = 0x01021994;
const onTmpfs = (() => {
  try {
    return Number(statfsSync('/dev/shm').type) === TMPFS;
  } catch {
    return false;
  }
})();

const md5b64 = (b: Buffer) => createHash('md5').update(b).digest('base64');

async function absent(s: TestServer, key: string): Promise<void> {
  const got = await call(s, { bucket: 'fast', key });
  assert.equal(got.status, 404, `${key} must not exist`);
}

/** A PUT of `k` answered `status` `code`, after which `k` does not exist. */
async function refused(s: TestServer, o: Partial<CallOptions>, status: number, code: string): Promise<void> {
  const r = await call(s, { method: 'PUT', bucket: 'fast', key: 'k', ...o });
  assert.equal(r.status, status);
  assert.equal(errorCode(r), code);
  await absent(s, 'k');
}

/** Sends `sent` bytes of a body announced as `announced` bytes long, then goes away. */
function putAndVanish(s: TestServer, key: string, announced: number, sent: Buffer): Promise<void> {
  const url = new URL(s.endpoint);
  const headers = signHeaders({ method: 'PUT', bucket: 'fast', key }, s.credentials, announced);
  return new Promise<void>((resolve) => {
    const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: pathOf('fast', key), headers });
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      resolve();
    });
    req.write(sent, () => setTimeout(() => req.destroy(), 50));
  });
}

for (const [where, base] of [
  ['a memory filesystem', onTmpfs ? '/dev/shm' : undefined],
  ['the temp directory', tmpdir()],
] as Array<[string, string | undefined]>) {
  test(`PutObject on ${where} keeps every check`, { skip: base === undefined && 'no tmpfs at /dev/shm' }, async () => {
    const root = await mkdtemp(join(base!, 'ossup-fast-'));
    let s = await startTestServer({ root });
    try {
      await mkBucket(s, 'fast');
      const small = randomBytes(4096);
      const large = randomBytes((3 << 20) + 333); // over the hashing thread's 1 MiB threshold

      const stranger = { ...s.credentials, accessKeySecret: 'not-the-secret' };
      await refused(s, { body: small, creds: stranger }, 403, 'SignatureDoesNotMatch');
      const otherMd5 = md5b64(Buffer.from('other bytes'));
      for (const body of [small, large])
        await refused(s, { body, headers: { 'Content-MD5': otherMd5 } }, 400, 'InvalidDigest');
      await refused(s, { body: small, headers: { 'If-None-Match': '*' } }, 400, 'NotImplemented');

      await putAndVanish(s, 'gone', large.length, large.subarray(0, 1 << 20));
      await absent(s, 'gone');

      for (const [key, body] of [
        ['small', small],
        ['large', large],
      ] as Array<[string, Buffer]>) {
        const ok = await call(s, {
          method: 'PUT',
          bucket: 'fast',
          key,
          body,
          headers: { 'Content-MD5': md5b64(body) },
        });
        assert.equal(ok.status, 200);
        assert.equal(ok.headers.etag, `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`);
        assert.equal(ok.headers['x-oss-hash-crc64ecma'], crc64ToDecimal(crc64(body)));
      }

      const overwrite = await call(s, {
        method: 'PUT',
        bucket: 'fast',
        key: 'small',
        body: large,
        headers: { 'x-oss-forbid-overwrite': 'true' },
      });
      assert.equal(overwrite.status, 409);
      assert.equal(errorCode(overwrite), 'FileAlreadyExists');

      // What was acknowledged is there, byte for byte, after a restart on the same root.
      await s.close();
      s = await startTestServer({ root });
      for (const [key, body] of [
        ['small', small],
        ['large', large],
      ] as Array<[string, Buffer]>) {
        const got = await call(s, { bucket: 'fast', key });
        assert.equal(got.status, 200);
        assert.ok(got.body.equals(body), `${key} read back`);
        const etag = got.headers.etag as string;
        const same = await call(s, { bucket: 'fast', key, headers: { 'If-None-Match': etag } });
        assert.equal(same.status, 304);
      }
    } finally {
      await s.close();
      await rm(root, { recursive: true, force: true });
    }
  });
}
