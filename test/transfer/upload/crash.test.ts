// Crash safety with real processes: an uploading child is SIGKILLed at several points and a rerun completes the
// object byte-identical; a second process on the same checkpoint fails at once with CheckpointLocked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { nodeArgsFor, spawnEventChild, type EventChild } from '../../helpers/child.js';
import { uploadFile } from '../../../src/transfer/index.js';
import { PART, makeFile, objectBytes, setup, type Env } from '../fixtures.js';
import { growingPlanner } from './growing-planner.js';

const CHILD = nodeArgsFor(import.meta.url, './child');

function startChild(env: Env, file: string, key: string, extra: Record<string, unknown> = {}): EventChild {
  const args = {
    endpoint: env.server.endpoint,
    credentials: env.server.credentials,
    bucket: env.bucket,
    key,
    file,
    checkpoint: true,
    ...extra,
  };
  return spawnEventChild([...CHILD, JSON.stringify(args)]);
}

const killPoints: Array<[string, (e: Record<string, unknown>) => boolean]> = [
  ['right after start', (e) => e.type === 'start'],
  ['after the first part', (e) => e.type === 'part' && e.partsDone === 1],
  ['half way', (e) => e.type === 'part' && e.partsDone === 10],
  ['while completing', (e) => e.type === 'completing'],
];

test('SIGKILL at several points, then a rerun: the object is byte-identical', async (t) => {
  const env = await setup(t);
  const size = 20 * PART + 777;
  for (const [i, [name, point]] of killPoints.entries()) {
    const key = `crash-${i}`;
    const { file, data } = await makeFile(env.dir, `crash-${i}.bin`, size, 40 + i);
    const child = startChild(env, file, key);
    const seen = await child.waitFor(point);
    child.proc.kill('SIGKILL');
    await child.exited;
    assert.ok(seen, `${name}: the child reached the kill point`);
    // The killed process left its lock behind; its pid is dead, so the rerun takes the lock over at once.
    const res = await uploadFile(env.client, { bucket: env.bucket, key, file, checkpoint: true });
    assert.deepEqual(await objectBytes(env.client, env.bucket, key), data, name);
    assert.equal(res.size, size);
    await assert.rejects(stat(`${file}.ucp`), { code: 'ENOENT' });
    await assert.rejects(stat(`${file}.ucp.lock`), { code: 'ENOENT' });
  }
  assert.equal((await env.client.listMultipartUploads(env.bucket)).uploads.length, 0, 'no upload left behind');
});

test('a rerun in a child process after SIGKILL resumes (resumed bytes reported) and completes', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'again.bin', 20 * PART, 50);
  const first = startChild(env, file, 'again');
  await first.waitFor((e) => e.type === 'part' && e.partsDone === 5);
  first.proc.kill('SIGKILL');
  await first.exited;
  const second = startChild(env, file, 'again');
  const start = await second.waitFor((e) => e.type === 'start');
  assert.ok((start!.resumedBytes as number) >= 5 * PART);
  const done = await second.waitFor((e) => e.type === 'done' || e.type === 'error');
  assert.equal(done?.type, 'done', JSON.stringify(done));
  assert.equal(await second.exited, 0);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'again'), data);
});

test('SIGKILL after parts of a larger cut were sent: the rerun resumes the grown layout and the object is right', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'grown.bin', 40 * PART + 9, 51);
  // The journal takes the cut before any part of it, so parts 5 on (4 x PART) are resumed, not sent again.
  const first = startChild(env, file, 'grown', { growAfter: 4, partSize: PART });
  await first.waitFor((e) => e.type === 'part' && (e.partNumber as number) > 6);
  first.proc.kill('SIGKILL');
  await first.exited;
  const planner = growingPlanner({ partSize: PART, after: 4, to: 4 * PART, concurrency: 2 });
  const res = await uploadFile(env.client, { bucket: env.bucket, key: 'grown', file, checkpoint: true, planner });
  assert.ok(res.resumedBytes >= 4 * PART + 4 * PART, `resumed ${res.resumedBytes}`);
  assert.equal(res.parts, 4 + 10, 'four parts of PART, then ten of the larger cut');
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'grown'), data);
});

test('two processes on one checkpoint: the second fails at once with CheckpointLocked', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'two.bin', 6 * PART, 51);
  const release = path.join(env.dir, 'release');
  const first = startChild(env, file, 'two', { holdUntil: release });
  t.after(() => {
    first.proc.kill('SIGKILL');
  });
  await first.waitFor((e) => e.type === 'part');
  const started = Date.now();
  const second = startChild(env, file, 'two');
  const outcome = await second.waitFor((e) => e.type === 'error' || e.type === 'done' || e.type === 'start');
  assert.equal(outcome?.type, 'error', JSON.stringify(outcome));
  assert.equal(outcome?.code, 'CheckpointLocked');
  assert.match(String(outcome?.message), /\.ucp\.lock/);
  assert.equal(await second.exited, 3);
  assert.ok(Date.now() - started < 20_000);
  await writeFile(release, '');
  const done = await first.waitFor((e) => e.type === 'done' || e.type === 'error');
  assert.equal(done?.type, 'done', JSON.stringify(done));
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'two'), data);
});
