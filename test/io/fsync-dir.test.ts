// Group-committed directory fsyncs: fewer flushes than callers, and never a flush that began before the call it
// answers (that flush might not cover the caller's rename).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fsyncDir } from '../../src/io/fs.js';

test('concurrent fsyncDir calls share flushes, each answered by a flush that started after it', async () => {
  let clock = 0;
  const flushes: Array<{ dir: string; started: number }> = [];
  const fakeSync = async (dir: string) => {
    flushes.push({ dir, started: ++clock });
    await sleep(5);
  };
  const calls: Array<Promise<{ called: number; answeredBy: number }>> = [];
  for (let i = 0; i < 40; i++) {
    const called = ++clock;
    calls.push(
      fsyncDir('/d', fakeSync).then(() => {
        // The flush that answered this call is the latest one started for the directory when it resolves.
        const answeredBy = flushes.filter((f) => f.dir === '/d').at(-1)!.started;
        return { called, answeredBy };
      }),
    );
    if (i % 7 === 0) await sleep(2); // arrivals both during a flush and between flushes
  }
  for (const { called, answeredBy } of await Promise.all(calls)) {
    assert.ok(answeredBy > called, `call at ${called} answered by a flush started at ${answeredBy}`);
  }
  assert.ok(flushes.length < 40, `${flushes.length} flushes for 40 calls`);
  assert.ok(flushes.length >= 2);

  // Other directories are flushed on their own, and the state resets once idle.
  await Promise.all([fsyncDir('/a', fakeSync), fsyncDir('/b', fakeSync)]);
  assert.deepEqual(
    flushes
      .slice(-2)
      .map((f) => f.dir)
      .sort(),
    ['/a', '/b'],
  );
  const before = flushes.length;
  await fsyncDir('/d', fakeSync);
  assert.equal(flushes.length, before + 1);
});
