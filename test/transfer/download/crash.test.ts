// Crash safety with real processes: a downloading child is SIGKILLed mid-download (its connections slowed by a
// proxy so it is caught with ranges recorded and others in flight); the destination name does not exist afterwards,
// and a rerun resumes and produces a byte-identical file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { downloadFile } from '../../../src/transfer/download/download-file.js';
import { nodeArgsFor, spawnEventChild, type EventChild } from '../../helpers/child.js';
import type { FaultProxy } from '../../../harness/fault-proxy.js';
import { PART, leftovers, proxyFor, tempsOf, withObject, type Env } from './env.js';

function startChild(
  env: Env,
  endpoint: string,
  key: string,
  file: string,
  extra: Record<string, unknown> = {},
): EventChild {
  const args = {
    endpoint,
    credentials: env.server.credentials,
    bucket: env.bucket,
    key,
    file,
    checkpoint: true,
    partSize: PART,
    ...extra,
  };
  return spawnEventChild([...nodeArgsFor(import.meta.url, './child'), JSON.stringify(args)]);
}

/** A proxy that slows every connection down; the checkpoint records its endpoint, so reruns must use it too. */
async function slowProxy(
  t: { after: (fn: () => Promise<void>) => void },
  env: Env,
  bytesPerSecond: number,
): Promise<FaultProxy> {
  const proxy = await proxyFor(t, env, { rate: 1, kinds: ['slow'], bytesPerSecond });
  return proxy;
}

test('SIGKILL mid-download: the destination does not exist, and a rerun resumes to a byte-identical file', async (t) => {
  const size = 30 * PART + 99;
  const { env, data } = await withObject(t, 'big/crash.bin', size, 61);
  const proxy = await slowProxy(t, env, 3 * 1024 * 1024);
  const file = path.join(env.dir, 'crash.bin');
  const child = startChild(env, proxy.endpoint, 'big/crash.bin', file, { concurrency: 3 });
  const seen = await child.waitFor(
    (e) => (e.type === 'part' && (e.partsDone as number) >= 5) || e.type === 'done' || e.type === 'error',
  );
  child.proc.kill('SIGKILL');
  await child.exited;
  assert.equal(seen?.type, 'part', `the child was killed mid-download: ${JSON.stringify(seen)}`);
  await assert.rejects(stat(file), { code: 'ENOENT' }, 'the destination name never holds partial bytes');
  assert.equal((await tempsOf(file)).length, 1, 'the temporary file is kept for the rerun');
  await stat(`${file}.dcp`);

  // The killed process left its lock behind; its pid is dead, so the rerun takes the lock over at once.
  proxy.setPlan({ rate: 0, kinds: [] });
  const res = await downloadFile(env.clientFor(proxy.endpoint), {
    bucket: env.bucket,
    key: 'big/crash.bin',
    file,
    checkpoint: true,
    partSize: PART,
  });
  assert.ok(res.resumedBytes >= 5 * PART, `resumed ${res.resumedBytes}`);
  assert.ok(res.resumedBytes < size);
  assert.equal(res.verified, 'crc64');
  assert.deepEqual(await readFile(file), data);
  assert.deepEqual(await leftovers(env.dir), ['crash.bin']);
});

test('a rerun in a child process after SIGKILL reports resumed bytes at start and completes', async (t) => {
  const size = 20 * PART;
  const { env, data } = await withObject(t, 'again', size, 62);
  const proxy = await slowProxy(t, env, 2 * 1024 * 1024);
  const file = path.join(env.dir, 'again.out');
  const first = startChild(env, proxy.endpoint, 'again', file);
  const seen = await first.waitFor((e) => (e.type === 'part' && (e.partsDone as number) >= 4) || e.type === 'done');
  first.proc.kill('SIGKILL');
  await first.exited;
  assert.equal(seen?.type, 'part');
  await assert.rejects(stat(file), { code: 'ENOENT' });
  proxy.setPlan({ rate: 0, kinds: [] });
  const second = startChild(env, proxy.endpoint, 'again', file);
  const start = await second.waitFor((e) => e.type === 'start');
  assert.ok((start!.resumedBytes as number) >= 4 * PART, JSON.stringify(start));
  const done = await second.waitFor((e) => e.type === 'done' || e.type === 'error');
  assert.equal(done?.type, 'done', JSON.stringify(done));
  assert.equal(await second.exited, 0);
  assert.deepEqual(await readFile(file), data);
  assert.deepEqual(await leftovers(env.dir), ['again.out']);
});
