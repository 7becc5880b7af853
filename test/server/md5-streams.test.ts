// The MD5s a hashing thread keeps for the bodies it receives at once (src/server/store/md5-streams.ts): bodies fed
// interleaved in uneven batches, finishing at different moments or together, some dropped, give node:crypto's MD5
// of each, and every batch is handed back (its `done`) once hashed, with the native lanes and with node:crypto.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { nativeMd5 } from '../../src/io/md5-native.js';
import { CryptoMd5Streams, LaneMd5Streams, type Md5Streams } from '../../src/server/store/md5-streams.js';

const md5 = nativeMd5();
const kinds: [string, () => Md5Streams, string | false][] = [
  ['node:crypto', () => new CryptoMd5Streams(), false],
  ...[1, 4, 8].map(
    (lanes) =>
      [
        `native lanes (${lanes})`,
        () => new LaneMd5Streams(md5!, 4 << 20, lanes),
        md5 ? false : 'native addon without MD5 here (or OSSUP_MD5=crypto)',
      ] as [string, () => Md5Streams, string | false],
  ),
];

for (const [name, make, skip] of kinds) {
  test(`${name}: interleaved bodies, some dropped, give each body's MD5 and hand every batch back`, {
    skip,
  }, async () => {
    const streams = make();
    const bodies = Array.from({ length: 11 }, (_, i) =>
      randomBytes(i === 0 ? 0 : Math.floor(Math.random() * (3 << 20))),
    );
    const handles = bodies.map((_, i) => streams.open(i + 1));
    const at = bodies.map(() => 0);
    const digests = new Map<number, string>();
    let outstanding = 0;
    const dropped = new Set([3, 7]);
    const open = new Set(bodies.keys());
    while (open.size > 0) {
      for (const i of [...open]) {
        if (Math.random() < 0.3) continue;
        const n = Math.min(bodies[i]!.length - at[i]!, Math.floor(Math.random() * 300_000));
        if (n > 0) {
          outstanding++;
          // A copy of its own, as a transferred batch is: `done` says it may go.
          streams.add(handles[i]!, Uint8Array.from(bodies[i]!.subarray(at[i], at[i]! + n)), () => outstanding--);
          at[i]! += n;
          if (Math.random() < 0.1) streams.flush(handles[i]!); // as a range read back into the thread's scratch
        }
        if (dropped.has(i) && at[i]! > bodies[i]!.length / 2) {
          streams.drop(handles[i]!);
          open.delete(i);
        } else if (at[i] === bodies[i]!.length && Math.random() < 0.5) {
          streams.finish(handles[i]!, (d) => digests.set(i, d.toString('hex')));
          open.delete(i);
        }
      }
      if (Math.random() < 0.7) streams.pump();
    }
    streams.pump();
    assert.equal(outstanding, 0, 'every batch was handed back');
    for (const [i, body] of bodies.entries()) {
      if (dropped.has(i)) assert.equal(digests.has(i), false);
      else assert.equal(digests.get(i), createHash('md5').update(body).digest('hex'), `body ${i}`);
    }
  });
}

test('native lanes: a body with company expected waits for it; one past its share, or finishing, does not', {
  skip: md5 ? false : 'native addon without MD5 here (or OSSUP_MD5=crypto)',
}, () => {
  const streams = new LaneMd5Streams(md5!, 4 << 20, 4);
  const a = streams.open(1);
  const b = streams.open(2);
  const hashed: string[] = [];
  streams.add(a, randomBytes(1 << 20), () => hashed.push('a1'));
  streams.pump();
  assert.equal(hashed.length, 0, 'b is open and has nothing yet: a waits for it');
  streams.add(b, randomBytes(1 << 20), () => hashed.push('b1'));
  streams.pump();
  assert.deepEqual(hashed.sort(), ['a1', 'b1'], 'both went through the lanes together');
  streams.add(a, randomBytes(2 << 20), () => hashed.push('a2'));
  streams.pump();
  assert.equal(hashed.length, 3, 'past its share of the budget (2 MiB of 4 for two bodies), a goes on alone');
  streams.add(b, randomBytes(1000), () => hashed.push('b2'));
  streams.add(b, new Uint8Array(0), () => hashed.push('b3')); // after b2, never before it
  let digest: Buffer | undefined;
  streams.finish(b, (d) => {
    digest = d;
  });
  streams.pump();
  assert.ok(digest, 'finishing, b does not wait for a');
  assert.deepEqual(hashed.slice(-2), ['b2', 'b3']);
});
