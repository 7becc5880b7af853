// The server's hashing thread (store/hasher.ts): the digests of a body whose batches are read back from its temp
// file as they are written are those of the whole body, in order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { crc64 } from '../../src/core/crc64.js';
import { HasherPool, IN_FLIGHT_MAX } from '../../src/server/store/hasher.js';
import { SERVE_FLAGS } from '../../src/cli/v8-flags.js';
import type { HasherReleased, HasherReply, HasherRequest } from '../../src/server/store/hasher-worker.js';

const pool = new HasherPool(1);
after(() => pool.close());

test('batches read back from the temp file give the digests of the whole body', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-hasher-'));
  try {
    const body = randomBytes((5 << 20) + 12345);
    const file = join(dir, 'body');
    await writeFile(file, body);
    const h = pool.forBody(file, body.length);
    for (let at = 0; at < body.length; at += 1 << 20) {
      const n = Math.min(1 << 20, body.length - at);
      h.chunk(body.subarray(at, at + n)); // as the writer does (an inline hasher's only input)
      h.written(at, n);
    }
    const digest = await h.finish();
    assert.deepEqual(digest.md5, createHash('md5').update(body).digest());
    assert.equal(digest.crc64, crc64(body));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** The body in 1 MiB batches of 64 KiB chunks, each chunk a buffer of its own, as node:http hands them over. */
function ownChunks(body: Buffer, at: number, n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = at; i < at + n; i += 1 << 16)
    out.push(Uint8Array.from(body.subarray(i, Math.min(i + (1 << 16), at + n))));
  return out;
}

test('batches handed over as their own buffers are hashed without a copy, mixed with ranges read back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-hasher-'));
  try {
    const body = randomBytes((3 << 20) + 777);
    const file = join(dir, 'body');
    await writeFile(file, body);
    const h = pool.forBody(file, body.length);
    const handed: Uint8Array[] = [];
    for (let at = 0, i = 0; at < body.length; at += 1 << 20, i++) {
      const n = Math.min(1 << 20, body.length - at);
      if (i === 1) {
        h.written(at, n); // read back from the file
        continue;
      }
      const chunks = ownChunks(body, at, n);
      handed.push(...chunks);
      h.written(at, n, chunks);
    }
    const digest = await h.finish();
    assert.deepEqual(digest.md5, createHash('md5').update(body).digest());
    assert.equal(digest.crc64, crc64(body));
    assert.ok(
      handed.every((c) => c.byteLength === 0),
      'the handed-over buffers were transferred, not copied',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('past the in-flight bound, the writer waits for room and every batch is still handed over, in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-hasher-'));
  try {
    const body = randomBytes(IN_FLIGHT_MAX + (8 << 20));
    const file = join(dir, 'body');
    await writeFile(file, body);
    const h = pool.forBody(file, body.length);
    const batches: Uint8Array[][] = [];
    for (let at = 0; at < body.length; at += 1 << 20) batches.push(ownChunks(body, at, 1 << 20));
    // Not awaited, so the bound is reached: later batches wait behind the first one told to, in order.
    const waits = batches.map((chunks, i) => h.written(i << 20, 1 << 20, chunks));
    assert.ok(
      waits.slice(IN_FLIGHT_MAX >> 20).every((w) => w instanceof Promise),
      'the writer was told to wait past the bound',
    );
    await Promise.all(waits);
    const digest = await h.finish();
    assert.deepEqual(digest.md5, createHash('md5').update(body).digest());
    assert.equal(digest.crc64, crc64(body));
    assert.ok(
      batches.every((chunks) => chunks.every((c) => c.byteLength === 0)),
      'every batch was transferred, none read back from the file',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Several bodies handed over at once, interleaved batch by batch, one ending early, one dropped. */
async function concurrentBodies(p: HasherPool): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-hasher-'));
  try {
    const bodies = [5, 3, 4, 1, 6, 2].map((mib, i) => randomBytes((mib << 20) + i * 4099));
    const files = bodies.map((_, i) => join(dir, `body${i}`));
    await Promise.all(bodies.map((b, i) => writeFile(files[i]!, b)));
    const hashers = bodies.map((b, i) => p.forBody(files[i]!, b.length));
    const finishing: Promise<{ md5: Buffer; crc64: bigint }>[] = [];
    for (let at = 0; at < 6 << 20; at += 1 << 20) {
      for (const [i, b] of bodies.entries()) {
        if (i === 4 && at === 3 << 20) hashers[i]!.drop();
        if (at >= b.length || (i === 4 && at >= 3 << 20)) continue;
        const n = Math.min(1 << 20, b.length - at);
        if (i === 2 && at === 1 << 20)
          hashers[i]!.written(at, n); // read back from the file
        else hashers[i]!.written(at, n, ownChunks(b, at, n));
        if (at + n === b.length) finishing[i] = hashers[i]!.finish();
      }
    }
    for (const [i, b] of bodies.entries()) {
      if (i === 4) continue;
      const digest = await finishing[i]!;
      assert.deepEqual(digest.md5, createHash('md5').update(b).digest(), `body ${i}`);
      assert.equal(digest.crc64, crc64(b), `body ${i}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('several bodies at once on one thread (MD5 lanes where the addon has them) each get their own digests', async () => {
  await concurrentBodies(pool);
});

test('the same with the thread on node:crypto (OSSUP_MD5=crypto, as without the addon)', async () => {
  const before = process.env.OSSUP_MD5;
  process.env.OSSUP_MD5 = 'crypto'; // a thread starts with a copy of the environment
  const crypto = new HasherPool(1);
  try {
    await concurrentBodies(crypto);
  } finally {
    if (before === undefined) delete process.env.OSSUP_MD5;
    else process.env.OSSUP_MD5 = before;
    await crypto.close();
  }
});

test("a hashed batch's memory is freed on the thread at once, not sent back to the event loop to collect", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-hasher-'));
  // As `ossup serve` does in its own process before its server starts (a test's process is its own too).
  if (typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer !== 'function') setFlagsFromString(SERVE_FLAGS);
  const worker = new Worker(new URL('../../src/server/store/hasher-worker.js', import.meta.url), {
    workerData: { md5Budget: 1 << 20 },
  });
  try {
    const body = randomBytes(3 << 20);
    const file = join(dir, 'body');
    await writeFile(file, body);
    const replies: (HasherReply | HasherReleased)[] = [];
    let wake = () => {};
    worker.on('message', (m: HasherReply | HasherReleased) => {
      replies.push(m);
      wake();
    });
    const next = async (): Promise<HasherReply | HasherReleased> => {
      while (replies.length === 0) await new Promise<void>((r) => (wake = r));
      return replies.shift()!;
    };
    worker.postMessage({ op: 'open', id: 1, path: file } satisfies HasherRequest);
    const batches: Uint8Array[][] = [];
    for (let at = 0; at < body.length; at += 1 << 20) {
      const chunks = ownChunks(body, at, 1 << 20);
      batches.push(chunks);
      const msg: HasherRequest = { op: 'data', id: 1, buffers: chunks, length: 1 << 20 };
      worker.postMessage(
        msg,
        chunks.map((c) => c.buffer as ArrayBuffer),
      );
    }
    worker.postMessage({ op: 'finish', id: 1 } satisfies HasherRequest);
    let released = 0;
    for (;;) {
      const reply = await next();
      if ('released' in reply) {
        assert.equal(reply.buffers, undefined, 'the thread freed the batch; nothing came back to collect');
        released += reply.released;
        continue;
      }
      assert.equal(reply.error, undefined);
      assert.deepEqual(Buffer.from(reply.md5), createHash('md5').update(body).digest());
      break;
    }
    assert.equal(released, body.length, 'every batch was released');
    assert.ok(
      batches.every((chunks) => chunks.every((c) => c.byteLength === 0)),
      'transferred, not copied',
    );
  } finally {
    await worker.terminate();
    await rm(dir, { recursive: true, force: true });
  }
});
