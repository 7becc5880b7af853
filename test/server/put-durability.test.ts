// The durability of a small PutObject on a disk (DESIGN.md, "Embedded server storage"): its four fsyncs (data file,
// blob directory, record temp file, record directory) go through the thread pool before the 200, and the
// acknowledged object is there after the server restarts on the same root. On a memory filesystem (tmpfs) the same
// fsyncs are made synchronously, where they cannot block: no thread-pool trip each. A guard for CPU work on this path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../../harness/server.js';
import { call, mkBucket, put } from '../../harness/oss-http.js';

const TMPFS = 0x01021994;

function isTmpfs(dir: string): boolean {
  try {
    return Number(statfsSync(dir).type) === TMPFS;
  } catch {
    return false;
  }
}

/** Thread-pool file requests (FSREQCALLBACK) started while `fn` runs, in this process. */
async function poolTrips(fn: () => Promise<void>): Promise<number> {
  let n = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'FSREQCALLBACK') n++;
    },
  }).enable();
  try {
    await fn();
  } finally {
    hook.disable();
  }
  return n;
}

async function putAndRestart(base: string): Promise<number> {
  const root = await mkdtemp(join(base, 'ossup-fsync-'));
  try {
    const body = Buffer.alloc(4096, 7);
    let trips = 0;
    const first = await startTestServer({ root });
    try {
      await mkBucket(first, 'fsync-b');
      await put(first, 'fsync-b', 'warm', 'x'); // directories made, key index loaded
      let status = 0;
      trips = await poolTrips(async () => {
        status = (await put(first, 'fsync-b', 'k', body)).status;
      });
      assert.equal(status, 200);
    } finally {
      await first.close();
    }
    const again = await startTestServer({ root });
    try {
      const got = await call(again, { bucket: 'fsync-b', key: 'k' });
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(body), 'the acknowledged object survives a restart');
    } finally {
      await again.close();
    }
    return trips;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('a small PutObject on a disk makes its four fsyncs on the thread pool and survives a restart', {
  skip: isTmpfs(tmpdir()) && `${tmpdir()} is tmpfs`,
}, async () => {
  // data file, blob directory, record temp file, record directory
  assert.ok((await putAndRestart(tmpdir())) >= 4);
});

test('on tmpfs a small PutObject makes no thread-pool trip for its fsyncs and survives a restart', {
  skip: !isTmpfs('/dev/shm') && 'no tmpfs at /dev/shm',
}, async () => {
  assert.equal(await putAndRestart('/dev/shm'), 0);
});
