// Resuming without re-reading (download/lease.ts): the recorded ranges of a temporary file are trusted only when the
// journal vouches that nothing wrote to the file since the run that recorded them stopped, whether it stopped cleanly
// or was killed; a file altered in between (same size, even with its mtime put back) has its ranges re-read, exactly
// the bad ones fetched again, and the result is byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { AbortedError } from '../../../src/core/errors.js';
import { encodeRecord } from '../../../src/transfer/checkpoint/journal.js';
import { rereadReason } from '../../../src/transfer/download/lease.js';
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import type { TransferEvent } from '../../../src/transfer/index.js';
import { nodeArgsFor, spawnEventChild } from '../../helpers/child.js';
import { PART, leftovers, pauseAfter, proxyFor, recorder, scribble, tempsOf, withObject } from './env.js';

const run = promisify(execFile);

/** The ranges a run fetched (its 'part' events; resumed ranges emit none). */
function fetchedBy(events: TransferEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'part' ? [e.partNumber] : [])).sort((a, b) => a - b);
}

function startOf(events: TransferEvent[]): Extract<TransferEvent, { type: 'start' }> {
  const s = events.find((e) => e.type === 'start');
  assert.ok(s && s.type === 'start');
  return s;
}

/** A run paused (a clean stop) once 3 of 8 ranges are recorded; returns what a rerun needs. */
async function pausedAtThree(t: Parameters<typeof withObject>[0], key: string, seed: number) {
  const { env, data } = await withObject(t, key, 8 * PART, seed);
  const file = path.join(env.dir, `${key}.out`);
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key, file, checkpoint: true, ...pauseAfter(3) }),
    AbortedError,
  );
  const [temp] = await tempsOf(file);
  const rerun = async () => {
    const rec = recorder();
    const res = await downloadFile(env.client, {
      bucket: env.bucket,
      key,
      file,
      checkpoint: true,
      onProgress: rec.onProgress,
    });
    assert.deepEqual(await readFile(file), data, 'the resumed file is byte-identical');
    assert.equal(res.verified, 'crc64');
    assert.deepEqual(await leftovers(env.dir), [`${key}.out`]);
    return { res, events: rec.events };
  };
  return { env, file, temp: temp!, rerun };
}

test('after a clean stop the recorded ranges are trusted: only the missing ones are fetched, none re-read', async (t) => {
  const { rerun } = await pausedAtThree(t, 'clean', 71);
  const { res, events } = await rerun();
  assert.equal(startOf(events).reread, undefined, 'nothing to re-read');
  assert.deepEqual(fetchedBy(events), [4, 5, 6, 7, 8]);
  assert.equal(res.resumedBytes, 3 * PART);
});

test('a temporary file altered in place between runs (same size) is caught: only the altered range is fetched again', async (t) => {
  const { temp, rerun } = await pausedAtThree(t, 'alt', 72);
  await scribble(temp, PART + 9);
  const { res, events } = await rerun();
  assert.match(startOf(events).reread ?? '', /modified after the last run stopped/);
  assert.deepEqual(fetchedBy(events), [2, 4, 5, 6, 7, 8]);
  assert.equal(res.resumedBytes, 2 * PART);
});

test('an alteration with the mtime put back is caught by the change time', async (t) => {
  const { temp, rerun } = await pausedAtThree(t, 'back', 73);
  const before = await stat(temp, { bigint: true });
  await sleep(15); // past the file system clock's tick, as any edit a person or program makes later would be
  await scribble(temp, 2 * PART + 1);
  // Put the mtime back to the nanosecond, as `touch -r` or a careful tool would.
  const ns = before.mtimeNs;
  await run('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, temp]);
  assert.equal((await stat(temp, { bigint: true })).mtimeNs, ns, 'the mtime is as the stopped run left it');
  const { events } = await rerun();
  assert.match(startOf(events).reread ?? '', /ctime/);
  assert.deepEqual(fetchedBy(events), [3, 4, 5, 6, 7, 8]);
});

test('a range recorded as dropped is never trusted again, even when the file is vouched for', async (t) => {
  const { file, rerun } = await pausedAtThree(t, 'drop', 74);
  // What a run leaves when it was stopped while fetching range 2 again (download.ts records the drop first).
  await appendFile(`${file}.dcp`, encodeRecord({ kind: 'drop', partNumber: 2 }));
  const { events } = await rerun();
  assert.equal(startOf(events).reread, undefined);
  assert.deepEqual(fetchedBy(events), [2, 4, 5, 6, 7, 8]);
});

/** A child downloading `key` through a slow proxy, SIGKILLed once `parts` ranges are recorded. */
async function killedAt(t: Parameters<typeof withObject>[0], key: string, seed: number, parts: number) {
  const { env, data } = await withObject(t, key, 12 * PART, seed);
  const proxy = await proxyFor(t, env, { rate: 1, kinds: ['slow'], bytesPerSecond: 2 * 1024 * 1024 });
  const file = path.join(env.dir, `${key}.out`);
  const args = { endpoint: proxy.endpoint, credentials: env.server.credentials, bucket: env.bucket, key, file };
  const child = spawnEventChild([
    ...nodeArgsFor(import.meta.url, './child'),
    JSON.stringify({ ...args, checkpoint: true, partSize: PART, concurrency: 3 }),
  ]);
  const seen = await child.waitFor((e) => (e.type === 'part' && (e.partsDone as number) >= parts) || e.type === 'done');
  child.proc.kill('SIGKILL');
  await child.exited;
  assert.equal(seen?.type, 'part', 'killed mid-download');
  proxy.setPlan({ rate: 0, kinds: [] });
  const [temp] = await tempsOf(file);
  const rerun = async () => {
    const rec = recorder();
    const res = await downloadFile(env.clientFor(proxy.endpoint), {
      bucket: env.bucket,
      key,
      file,
      checkpoint: true,
      partSize: PART,
      onProgress: rec.onProgress,
    });
    assert.deepEqual(await readFile(file), data, 'the resumed file is byte-identical');
    return { res, events: rec.events };
  };
  return { temp: temp!, rerun };
}

test('after SIGKILL the recorded ranges are trusted under the lease: none re-read, the file byte-identical', async (t) => {
  const { rerun } = await killedAt(t, 'k1', 75, 4);
  const { res, events } = await rerun();
  assert.equal(startOf(events).reread, undefined);
  assert.ok(res.resumedBytes >= 4 * PART, `resumed ${res.resumedBytes}`);
});

test('after SIGKILL, a write once the lease ran out is caught: the altered range is fetched again', async (t) => {
  const { temp, rerun } = await killedAt(t, 'k2', 76, 4);
  await sleep(1100); // past the killed run's last lease (lease.ts: one second)
  await scribble(temp, 5);
  const { res, events } = await rerun();
  assert.match(startOf(events).reread ?? '', /past its lease/);
  assert.ok(fetchedBy(events).includes(1), 'range 1 (altered) fetched again');
  assert.ok(res.resumedBytes >= 3 * PART);
});

test('a journal written in another boot is never trusted: the ranges are re-read', () => {
  const st = { dev: 1n, ino: 2n, mtimeNs: 5n, ctimeNs: 6n };
  const lease = { kind: 'lease', boot: 'linux:a', dev: '1', ino: '2', until: 1 } as const;
  const closed = { kind: 'closed', boot: 'linux:a', dev: '1', ino: '2', mtimeNs: '5', ctimeNs: '6' } as const;
  assert.equal(rereadReason([lease], st, 'linux:a'), undefined);
  assert.equal(rereadReason([closed], st, 'linux:a'), undefined);
  assert.match(rereadReason([closed], st, 'linux:b') ?? '', /restarted/);
  assert.match(rereadReason([lease], st, 'linux:b') ?? '', /restarted/);
  assert.equal(rereadReason([{ ...lease, boot: 'up:1000' }], st, 'up:1002'), undefined, 'uptime-based: 2 s apart');
  assert.match(rereadReason([{ ...lease, boot: 'up:1000' }], st, 'up:1100') ?? '', /restarted/);
  assert.match(rereadReason([{ ...lease, ino: '3' }], st, 'linux:a') ?? '', /inode/);
  assert.match(rereadReason([{ ...closed, ctimeNs: '7' }], st, 'linux:a') ?? '', /ctime/);
  assert.match(rereadReason([], st, 'linux:a') ?? '', /no lease/);
});
