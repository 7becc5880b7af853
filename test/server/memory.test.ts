// Bodies stream: uploading and downloading an object far larger than the server's working set leaves the
// server process's peak RSS (VmHWM) flat. Runs the server as a child so its memory is its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerChild, killChild } from './child.js';
import { call, mkBucket, pathOf, put, signHeaders } from '../../harness/oss-http.js';

const CREDS = { accessKeyId: 'mem-ak', accessKeySecret: 'mem-secret' };
const SIZE = 256 * 1024 * 1024;

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** A deterministic 1 MiB pattern repeated: cheap to generate and to check on the way back. */
const CHUNK = Buffer.alloc(1 << 20, 0);
for (let i = 0; i < CHUNK.length; i++) CHUNK[i] = (i * 31 + 7) & 0xff;

test('a 256 MiB PUT and GET stream through the server with flat memory', {
  skip: process.platform !== 'linux',
}, async () => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-mem-'));
  const { child, endpoint } = await startServerChild(root, CREDS);
  try {
    const target = { endpoint, credentials: CREDS };
    await mkBucket(target, 'mem');
    // One small PUT and GET first, so the code of those paths (loaded on first use) is not counted as growth.
    assert.equal((await put(target, 'mem', 'warm', CHUNK)).status, 200);
    assert.equal((await call(target, { bucket: 'mem', key: 'warm' })).status, 200);
    const baseline = await peakRss(child.pid!);
    const url = new URL(endpoint);

    const expectedMd5 = createHash('md5');
    for (let i = 0; i < SIZE / CHUNK.length; i++) expectedMd5.update(CHUNK);
    const etag = `"${expectedMd5.digest('hex').toUpperCase()}"`;

    const putStatus = await new Promise<{ status: number; etag: string }>((resolve, reject) => {
      const headers = signHeaders({ method: 'PUT', bucket: 'mem', key: 'big' }, CREDS, SIZE);
      const req = request(
        { host: url.hostname, port: url.port, method: 'PUT', path: pathOf('mem', 'big'), headers },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, etag: String(res.headers.etag) }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < SIZE) {
          sent += CHUNK.length;
          if (!req.write(CHUNK)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(putStatus.status, 200);
    assert.equal(putStatus.etag, etag);

    const got = await new Promise<{ size: number; md5: string }>((resolve, reject) => {
      const headers = signHeaders({ method: 'GET', bucket: 'mem', key: 'big' }, CREDS, 0);
      const req = request(
        { host: url.hostname, port: url.port, method: 'GET', path: pathOf('mem', 'big'), headers },
        (res) => {
          const h = createHash('md5');
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            h.update(c);
          });
          res.on('end', () => resolve({ size, md5: `"${h.digest('hex').toUpperCase()}"` }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(got.size, SIZE);
    assert.equal(got.md5, etag);
    const peak = await peakRss(child.pid!);
    // The body is 256 MiB; the server may grow by buffers, never by the body.
    assert.ok(
      peak - baseline < 64 * 1024 * 1024,
      `server peak RSS grew by ${((peak - baseline) / 2 ** 20).toFixed(1)} MiB`,
    );
  } finally {
    await killChild(child);
    await rm(root, { recursive: true, force: true });
  }
});
