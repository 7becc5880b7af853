// Resume under damage and change: a broken checkpoint restarts cleanly, a tampered temporary file has exactly its bad
// ranges fetched again, an object replaced between runs or during a run is never mixed with the old bytes, and one
// checkpoint has one driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ObjectChangedError } from '../../../src/core/errors.js';
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import { uploadFile, type TransferEvent } from '../../../src/transfer/index.js';
import { AbortedError, CheckpointLockedError } from '../../../src/core/errors.js';
import { crc64 } from '../../../src/core/crc64.js';
import { checkRanges } from '../../../src/transfer/download/session.js';
import {
  PART,
  bytes,
  leftovers,
  pauseAfter,
  proxyFor,
  putBytes,
  recorder,
  scribble,
  setup,
  tempsOf,
  withObject,
  type Env,
} from './env.js';

const damages: Array<[string, (cp: string, other: string) => Promise<void>, 'fresh' | 'some']> = [
  [
    'a flipped byte in the header',
    async (cp) => {
      const b = await readFile(cp);
      b[30]! ^= 0x55;
      await writeFile(cp, b);
    },
    'fresh',
  ],
  [
    'a flipped byte in the last record',
    async (cp) => {
      const b = await readFile(cp);
      b[b.length - 12]! ^= 0x01;
      await writeFile(cp, b);
    },
    'some',
  ],
  [
    'a truncated tail',
    async (cp) => {
      await truncate(cp, (await stat(cp)).size - 7);
    },
    'some',
  ],
  [
    'a truncated header',
    async (cp) => {
      await truncate(cp, 30);
    },
    'fresh',
  ],
  [
    'garbage',
    async (cp) => {
      await writeFile(cp, bytes(500, 99));
    },
    'fresh',
  ],
  [
    'an empty file',
    async (cp) => {
      await writeFile(cp, '');
    },
    'fresh',
  ],
  [
    "another download's checkpoint",
    async (cp, other) => {
      await copyFile(other, cp);
    },
    'fresh',
  ],
];

for (const [name, damage, expect] of damages) {
  test(`a checkpoint with ${name} restarts cleanly and the file is byte-identical`, async (t) => {
    const env = await setup(t);
    const data = await putBytes(env, 'd', bytes(8 * PART + 5, 11));
    await putBytes(env, 'o', bytes(8 * PART + 5, 12));
    const file = path.join(env.dir, 'd.out');
    const other = path.join(env.dir, 'o.out');
    await assert.rejects(
      downloadFile(env.client, { bucket: env.bucket, key: 'd', file, checkpoint: true, ...pauseAfter(3) }),
      AbortedError,
    );
    await assert.rejects(
      downloadFile(env.client, { bucket: env.bucket, key: 'o', file: other, checkpoint: true, ...pauseAfter(2) }),
      AbortedError,
    );
    await damage(`${file}.dcp`, `${other}.dcp`);
    const res = await downloadFile(env.client, { bucket: env.bucket, key: 'd', file, checkpoint: true });
    assert.deepEqual(await readFile(file), data);
    if (expect === 'fresh') assert.equal(res.resumedBytes, 0);
    else assert.ok(res.resumedBytes > 0 && res.resumedBytes <= 3 * PART, `resumed ${res.resumedBytes}`);
    assert.equal((await tempsOf(file)).length, 0, 'the temporary file is gone');
    assert.equal((await tempsOf(other)).length, 1, "the other download's temporary file was not touched");
    assert.deepEqual(await leftovers(env.dir, 'o.out.dcp', ...(await tempsOf(other)).map((p) => path.basename(p))), [
      'd.out',
    ]);
  });
}

const ALL = [1, 2, 3, 4, 5, 6, 7, 8];
// Ranges 1-3 are recorded when the first run pauses; the second run must fetch exactly `refetch` again.
const tampers: Array<[string, (temp: string) => Promise<void>, number[]]> = [
  [
    'a flipped byte inside a recorded range: only that range is fetched again',
    (temp) => scribble(temp, PART + 17),
    [2, 4, 5, 6, 7, 8],
  ],
  // What a power cut can leave: records on disk, the bytes they vouch for not (the ranges were never synced).
  [
    'two recorded ranges zeroed, as after a power cut: only those are fetched again',
    (temp) => scribble(temp, 0, 2 * PART, 0),
    [1, 2, 4, 5, 6, 7, 8],
  ],
  [
    'the last recorded range zeroed: only it is fetched again',
    (temp) => scribble(temp, 2 * PART, PART, 0),
    [3, 4, 5, 6, 7, 8],
  ],
  [
    'a flipped byte outside the recorded ranges (that range is fetched again anyway)',
    (temp) => scribble(temp, 6 * PART + 3),
    [4, 5, 6, 7, 8],
  ],
  [
    'a truncated temporary file: everything is fetched again',
    async (temp) => {
      await truncate(temp, 2 * PART);
    },
    ALL,
  ],
  [
    'a deleted temporary file: everything is fetched again',
    async (temp) => {
      await rm(temp);
    },
    ALL,
  ],
  [
    'a temporary file of the right size but other bytes: every range is fetched again',
    async (temp) => {
      await writeFile(temp, bytes(8 * PART, 77));
    },
    ALL,
  ],
];

/** The ranges a run fetched (its 'part' events; resumed ranges emit none). */
function fetchedBy(events: TransferEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'part' ? [e.partNumber] : [])).sort((a, b) => a - b);
}

for (const [name, tamper, refetch] of tampers) {
  test(`${name}; the file is byte-identical`, async (t) => {
    const { env, data } = await withObject(t, 'tt', 8 * PART, 13);
    const file = path.join(env.dir, 'tt.out');
    await assert.rejects(
      downloadFile(env.client, { bucket: env.bucket, key: 'tt', file, checkpoint: true, ...pauseAfter(3) }),
      AbortedError,
    );
    const [temp] = await tempsOf(file);
    await tamper(temp!);
    const rec = recorder();
    const res = await downloadFile(env.client, {
      bucket: env.bucket,
      key: 'tt',
      file,
      checkpoint: true,
      onProgress: rec.onProgress,
    });
    assert.deepEqual(await readFile(file), data);
    assert.deepEqual(fetchedBy(rec.events), refetch);
    assert.equal(res.transferredBytes, refetch.length * PART);
    assert.equal(res.resumedBytes, (8 - refetch.length) * PART);
    assert.equal(res.verified, 'crc64');
    assert.deepEqual(await leftovers(env.dir), ['tt.out']);
  });
}

test('a range damaged, then another: each resume fetches the missing ranges, then exactly the bad ones', async (t) => {
  const { env, data } = await withObject(t, 'tw', 8 * PART, 14);
  const file = path.join(env.dir, 'tw.out');
  const run = (extra: object) =>
    downloadFile(env.client, { bucket: env.bucket, key: 'tw', file, checkpoint: true, ...extra });
  await assert.rejects(run(pauseAfter(3)), AbortedError);
  const [temp] = await tempsOf(file);
  await scribble(temp!, PART + 5);
  // Recorded ranges are adopted and checked in the background, after the missing ones are fetched: a run stopped
  // early has fetched only missing ranges (range 2 is still damaged and recorded).
  const second = recorder();
  const pause = pauseAfter(4);
  await assert.rejects(
    run({
      signal: pause.signal,
      onProgress: (e: TransferEvent) => {
        second.onProgress(e);
        pause.onProgress(e);
      },
    }),
    AbortedError,
  );
  assert.deepEqual(fetchedBy(second.events), [4]);
  await scribble(temp!, 10);
  const third = recorder();
  const res = await run({ onProgress: third.onProgress });
  assert.deepEqual(fetchedBy(third.events), [1, 2, 5, 6, 7, 8]);
  assert.equal(res.resumedBytes, 2 * PART);
  assert.deepEqual(await readFile(file), data);
  assert.deepEqual(await leftovers(env.dir), ['tw.out']);
});

test('an object replaced between runs (same size) restarts cleanly and gives the new bytes', async (t) => {
  const { env } = await withObject(t, 'rep', 8 * PART, 21);
  const file = path.join(env.dir, 'rep.out');
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key: 'rep', file, checkpoint: true, ...pauseAfter(4) }),
    AbortedError,
  );
  const fresh = await putBytes(env, 'rep', bytes(8 * PART, 22));
  const res = await downloadFile(env.client, { bucket: env.bucket, key: 'rep', file, checkpoint: true });
  assert.equal(res.resumedBytes, 0);
  assert.equal(res.verified, 'crc64');
  assert.deepEqual(await readFile(file), fresh);
  assert.deepEqual(await leftovers(env.dir), ['rep.out']);
});

test('an object replaced by a multipart upload of another size between runs restarts cleanly', async (t) => {
  const { env } = await withObject(t, 'grow', 6 * PART, 23);
  const file = path.join(env.dir, 'grow.out');
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key: 'grow', file, checkpoint: true, ...pauseAfter(2) }),
    AbortedError,
  );
  const src = path.join(env.dir, 'grow.src');
  const fresh = bytes(9 * PART + 1, 24);
  await writeFile(src, fresh);
  await uploadFile(env.client, { bucket: env.bucket, key: 'grow', file: src });
  await rm(src);
  const res = await downloadFile(env.client, { bucket: env.bucket, key: 'grow', file, checkpoint: true });
  assert.equal(res.resumedBytes, 0);
  assert.deepEqual(await readFile(file), fresh);
  assert.deepEqual(await leftovers(env.dir), ['grow.out']);
});

/** A client whose every connection is slowed down, so a test can act while a download is in flight. */
async function slowClient(t: { after: (fn: () => Promise<void>) => void }, env: Env, bytesPerSecond: number) {
  const proxy = await proxyFor(t, env, { rate: 1, kinds: ['slow'], bytesPerSecond });
  return env.clientFor(proxy.endpoint);
}

test('an object replaced during the download: If-Match catches it, the download restarts once and gives the new bytes', async (t) => {
  const { env } = await withObject(t, 'mid', 12 * PART, 31);
  const client = await slowClient(t, env, 4 * 1024 * 1024);
  const file = path.join(env.dir, 'mid.out');
  const fresh = bytes(12 * PART, 32);
  let starts = 0;
  let replaced: Promise<unknown> | undefined;
  const events: TransferEvent[] = [];
  const res = await downloadFile(client, {
    bucket: env.bucket,
    key: 'mid',
    file,
    checkpoint: true,
    concurrency: 2,
    onProgress: (e) => {
      events.push(e);
      if (e.type === 'start') starts++;
      if (e.type === 'part' && starts === 1 && !replaced) replaced = env.client.putObject(env.bucket, 'mid', fresh);
    },
  });
  await replaced;
  assert.equal(starts, 2, 'restarted once');
  assert.equal(res.resumedBytes, 0);
  assert.deepEqual(await readFile(file), fresh);
  assert.deepEqual(await leftovers(env.dir), ['mid.out']);
});

test('an object that keeps changing fails with ObjectChangedError; nothing is left at the destination', async (t) => {
  const { env } = await withObject(t, 'churn', 12 * PART, 33);
  const client = await slowClient(t, env, 4 * 1024 * 1024);
  const file = path.join(env.dir, 'churn.out');
  let starts = 0;
  let writes = 0;
  const pending: Array<Promise<unknown>> = [];
  const err = await downloadFile(client, {
    bucket: env.bucket,
    key: 'churn',
    file,
    checkpoint: true,
    onProgress: (e) => {
      if (e.type === 'start') starts++;
      if (e.type === 'part' && writes < starts)
        pending.push(env.client.putObject(env.bucket, 'churn', bytes(12 * PART, 34 + writes++)));
    },
  }).catch((e: unknown) => e);
  await Promise.all(pending);
  assert.ok(err instanceof ObjectChangedError, String(err));
  assert.equal(err.code, 'ObjectChanged');
  assert.match(err.message, /again after restarting/);
  assert.deepEqual(await leftovers(env.dir), [], 'no destination, temporary file, checkpoint or lock');
});

test('a second download on the same checkpoint fails at once with CheckpointLocked; the first completes', async (t) => {
  const { env, data } = await withObject(t, 'lk', 10 * PART, 41);
  const client = await slowClient(t, env, 2 * 1024 * 1024);
  const file = path.join(env.dir, 'lk.out');
  let started!: () => void;
  const isStarted = new Promise<void>((r) => {
    started = r;
  });
  const first = downloadFile(client, {
    bucket: env.bucket,
    key: 'lk',
    file,
    checkpoint: true,
    onProgress: (e) => {
      if (e.type === 'start') started();
    },
  });
  await isStarted;
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key: 'lk', file, checkpoint: true }),
    (err: unknown) => err instanceof CheckpointLockedError && /\.dcp\.lock/.test(err.message),
  );
  await first;
  assert.deepEqual(await readFile(file), data);
  assert.deepEqual(await leftovers(env.dir), ['lk.out']);
});

test('checkRanges flags exactly the ranges whose bytes differ from their recorded CRC-64, and those the file is too short for', async (t) => {
  const env = await setup(t);
  const data = bytes(2 * 1024 * 1024 + 1234, 51);
  const file = path.join(env.dir, 'crc.bin');
  await writeFile(file, data);
  const range = (
    partNumber: number,
    offset: number,
    size: number,
    crc = crc64(data.subarray(offset, offset + size)),
  ) => ({ partNumber, offset, size, crc64: crc });
  const ranges = [
    range(1, 0, 1024 * 1024),
    range(2, 1024 * 1024, 1024 * 1024, 12345n), // recorded CRC of other bytes
    range(3, 2 * 1024 * 1024, 1234),
    range(4, data.length - 10, 11, 0n), // past the end of the file
    range(5, 3, 0),
  ];
  const { mismatched } = await checkRanges(file, ranges, new AbortController().signal);
  assert.deepEqual(
    mismatched.map((r) => r.partNumber),
    [2, 4],
  );
});
