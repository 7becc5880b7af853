import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc64 } from '../../../src/core/crc64.js';
import { AbortedError } from '../../../src/core/errors.js';
import { HashPool } from '../../../src/transfer/hash/pool.js';
import { nodeArgsFor } from '../../helpers/child.js';
import { bytes } from '../fixtures.js';

async function fileOf(t: { after: (fn: () => Promise<void>) => void }, data: Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-hashpool-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'f');
  await writeFile(file, data);
  return file;
}

const md5hex = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

for (const [name, pool] of [
  ['worker threads', () => new HashPool(2)],
  ['fallback when the worker cannot load', () => new HashPool(1, new URL('file:///nonexistent/ossup-hash-worker.js'))],
] as const) {
  test(`hash pool (${name}): digests of exactly the range, its bytes in the shared buffer`, async (t) => {
    const data = bytes(3 * 1024 * 1024 + 11, 9);
    const file = await fileOf(t, data);
    const p = pool();
    t.after(() => p.close());
    const ranges: Array<[number, number]> = [
      [0, 0],
      [0, 1],
      [17, 1024 * 1024 + 3],
      [1024 * 1024 - 1, 2 * 1024 * 1024 + 12],
    ];
    // Several at once, so more than one worker (and the queueing on each) is exercised.
    const buffers = ranges.map(([, len]) => new SharedArrayBuffer(len + 5));
    const results = await Promise.all(
      ranges.map(([start, len], i) => p.hash(file, start, len, { buffer: buffers[i] })),
    );
    ranges.forEach(([start, len], i) => {
      const slice = data.subarray(start, start + len);
      assert.equal(results[i]!.md5.toString('hex'), md5hex(slice));
      assert.equal(results[i]!.crc64, crc64(slice));
      assert.deepEqual(Buffer.from(buffers[i]!, 0, len), slice, 'the bytes are in the shared buffer');
    });
    // At an offset into a larger shared buffer (a region of an arena): only that window is written.
    const shared = new SharedArrayBuffer(1024 * 1024 + 64 * 1024 * 2);
    const window = await p.hash(file, 17, 1024 * 1024 + 3, { buffer: shared, offset: 64 * 1024, crcOnly: true });
    assert.equal(window.crc64, crc64(data.subarray(17, 17 + 1024 * 1024 + 3)));
    assert.deepEqual(Buffer.from(shared, 64 * 1024, 1024 * 1024 + 3), data.subarray(17, 17 + 1024 * 1024 + 3));
    assert.ok(
      Buffer.from(shared, 0, 64 * 1024).every((b) => b === 0),
      'nothing written before the offset',
    );
    const noBuffer = await p.hash(file, 5, data.length - 5);
    assert.equal(noBuffer.md5.toString('hex'), md5hex(data.subarray(5)));
    const crcOnly = await p.hash(file, 17, 2 * 1024 * 1024, { crcOnly: true });
    assert.equal(crcOnly.crc64, crc64(data.subarray(17, 17 + 2 * 1024 * 1024)));
    assert.equal(crcOnly.md5.length, 0, 'no MD5 when only the CRC-64 was asked for');
    await assert.rejects(p.hash(file, data.length - 10, 20), { code: 'ESHORTFILE' });
    await assert.rejects(p.hash(path.join(path.dirname(file), 'missing'), 0, 10), { code: 'ENOENT' });
  });
}

test('hash pool: an aborted request rejects with AbortedError at once', async (t) => {
  const file = await fileOf(t, bytes(1024, 3));
  const p = new HashPool(1);
  t.after(() => p.close());
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(p.hash(file, 0, 1024, { signal: ac.signal }), AbortedError);
  const late = new AbortController();
  const pending = p.hash(file, 0, 1024, { signal: late.signal });
  late.abort();
  await assert.rejects(pending, AbortedError);
  assert.equal(
    (await p.hash(file, 0, 1024)).md5.toString('hex'),
    md5hex(bytes(1024, 3)),
    'the pool still works after aborts',
  );
});

test('hash pool: a process that used the shared pool exits by itself', async (t) => {
  const data = bytes(200_000, 4);
  const file = await fileOf(t, data);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...nodeArgsFor(import.meta.url, './pool-child'), file, String(data.length)],
    { timeout: 20_000 },
  );
  assert.deepEqual(JSON.parse(stdout), { md5: md5hex(data), crc64: String(crc64(data)) });
});

test('hash pool: a process whose pool was only warmed (worker started, never used) exits by itself', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...nodeArgsFor(import.meta.url, './pool-child'), 'warm'],
    { timeout: 20_000 },
  );
  assert.deepEqual(JSON.parse(stdout), { warmed: true });
});
