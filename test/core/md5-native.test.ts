// The multi-buffer MD5 of the native addon (native/md5.c, loaded by src/io/md5-native.ts): RFC 1321's vectors and
// random cross-checks against node:crypto through every width (the scalar loop, 2-4 streams interleaved, AVX2's 8, each
// capped to what the CPU has), many lengths and mixes of streams per call. Without the addon (no compiler at
// install, or OSSUP_MD5=crypto) these skip, saying so; the server's hashing thread then uses node:crypto, which
// test/server/md5-streams.test.ts and hasher.test.ts check too.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { MD5_MAX_STREAMS, md5Context, nativeMd5 } from '../../src/io/md5-native.js';

const md5 = nativeMd5();
const skip =
  md5 === undefined ? 'native addon not built or without MD5 (see build/native-build.log), or OSSUP_MD5=crypto' : false;
const reference = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

/** RFC 1321, appendix A.5. */
const RFC1321: [string, string][] = [
  ['', 'd41d8cd98f00b204e9800998ecf8427e'],
  ['a', '0cc175b9c0f1b6a831c399e269772661'],
  ['abc', '900150983cd24fb0d6963f7d28e17f72'],
  ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
  ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
  ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
  ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
];

for (const lanes of [1, 4, 8]) {
  test(`${lanes} lane(s): RFC 1321 vectors, all seven side by side and each alone`, { skip }, () => {
    const m = md5!;
    const ctxs = RFC1321.map(() => md5Context(m));
    m.md5Update(
      ctxs,
      RFC1321.map(([s]) => new TextEncoder().encode(s)),
      lanes,
    );
    assert.deepEqual(
      ctxs.map((c) => m.md5Final(c).toString('hex')),
      RFC1321.map(([, d]) => d),
    );
    for (const [s, d] of RFC1321) {
      const ctx = md5Context(m);
      m.md5Update([ctx], [new TextEncoder().encode(s)], lanes);
      assert.equal(m.md5Final(ctx).toString('hex'), d);
    }
  });

  test(`${lanes} lane(s): random streams fed in random pieces equal node:crypto`, { skip }, () => {
    const m = md5!;
    for (let round = 0; round < 60; round++) {
      const count = 1 + (round % 13);
      // Lengths around block and lane boundaries as well as long ones, each stream its own.
      const datas = Array.from({ length: count }, (_, i) =>
        randomBytes(i % 3 === 0 ? Math.floor(Math.random() * 200) : Math.floor(Math.random() * 20_000)),
      );
      const ctxs = datas.map(() => md5Context(m));
      const at = datas.map(() => 0);
      while (at.some((a, i) => a < datas[i]!.length)) {
        const some = datas.map((_, i) => i).filter((i) => at[i]! < datas[i]!.length && Math.random() < 0.8);
        const pieces = some.map((i) => {
          const n = Math.floor(Math.random() * (Math.random() < 0.5 ? 130 : 3000));
          const piece = datas[i]!.subarray(at[i], at[i]! + n);
          at[i]! += piece.length;
          return piece;
        });
        m.md5Update(
          some.map((i) => ctxs[i]!),
          pieces,
          lanes,
        );
      }
      for (const [i, c] of ctxs.entries())
        assert.equal(m.md5Final(c).toString('hex'), reference(datas[i]!), `round ${round} stream ${i}`);
    }
  });
}

test('every length 0..300 at odd offsets, eight streams of different lengths in one call', { skip }, () => {
  const m = md5!;
  const data = randomBytes(400);
  for (let len = 0; len <= 300; len++) {
    const views = Array.from({ length: 8 }, (_, i) => data.subarray(i * 3 + 1, i * 3 + 1 + len + i * 17));
    const ctxs = views.map(() => md5Context(m));
    m.md5Update(ctxs, views);
    for (const [i, c] of ctxs.entries())
      assert.equal(m.md5Final(c).toString('hex'), reference(views[i]!), `len ${len} stream ${i}`);
  }
});

test('1 to 9 streams of one length in one call: each kernel (1, 2-4 interleaved, 8 lanes) and their splits', {
  skip,
}, () => {
  const m = md5!;
  for (const lanes of [4, 8]) {
    for (let count = 1; count <= 9; count++) {
      const datas = Array.from({ length: count }, () => randomBytes(64 * 37 + 5));
      const ctxs = datas.map(() => md5Context(m));
      m.md5Update(ctxs, datas, lanes);
      for (const [i, c] of ctxs.entries())
        assert.equal(m.md5Final(c).toString('hex'), reference(datas[i]!), `${lanes} lanes, ${count} streams, #${i}`);
    }
  }
});

test('64 streams of 1 MiB in one call', { skip }, () => {
  const m = md5!;
  const datas = Array.from({ length: MD5_MAX_STREAMS }, () => randomBytes((1 << 20) + Math.floor(Math.random() * 64)));
  const ctxs = datas.map(() => md5Context(m));
  m.md5Update(ctxs, datas);
  for (const [i, c] of ctxs.entries()) assert.equal(m.md5Final(c).toString('hex'), reference(datas[i]!));
});

test('bad arguments are TypeErrors', { skip }, () => {
  const m = md5!;
  const ctx = md5Context(m);
  assert.throws(() => m.md5Update([ctx], []), TypeError);
  assert.throws(() => m.md5Update([ctx, ctx], [new Uint8Array(1), new Uint8Array(1)]), TypeError);
  assert.throws(() => m.md5Update([new Uint8Array(95)], [new Uint8Array(1)]), TypeError);
  assert.throws(() => m.md5Update([ctx], [new Uint16Array(2) as unknown as Uint8Array]), TypeError);
  assert.throws(() => m.md5Update([ctx], [new Uint8Array(1)], 3), TypeError);
  const many = Array.from({ length: MD5_MAX_STREAMS + 1 }, () => md5Context(m));
  assert.throws(
    () =>
      m.md5Update(
        many,
        many.map(() => new Uint8Array(1)),
      ),
    TypeError,
  );
  assert.throws(() => m.md5Final(new Uint8Array(96).subarray(1) as Uint8Array), TypeError);
});

/** In a worker thread with `env`: the MD5 of "abc" through the addon there, or 'none'. */
function checkInWorker(env: NodeJS.ProcessEnv): Promise<unknown> {
  const url = new URL('../../src/io/md5-native.js', import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then(({ nativeMd5, md5Context }) => {
      const m = nativeMd5();
      if (!m) return parentPort.postMessage('none');
      const ctx = md5Context(m);
      m.md5Update([ctx], [new TextEncoder().encode('abc')]);
      parentPort.postMessage(m.md5Final(ctx).toString('hex'));
    });`;
  const worker = new Worker(code, { eval: true, env });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

test('worker threads load it too; OSSUP_MD5=crypto turns it off (and OSSUP_CRC64=wasm does not)', {
  skip,
}, async () => {
  assert.equal(await checkInWorker({ ...process.env, OSSUP_MD5: undefined }), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(
    await checkInWorker({ ...process.env, OSSUP_MD5: undefined, OSSUP_CRC64: 'wasm' }),
    '900150983cd24fb0d6963f7d28e17f72',
  );
  assert.equal(await checkInWorker({ ...process.env, OSSUP_MD5: 'crypto' }), 'none');
});
