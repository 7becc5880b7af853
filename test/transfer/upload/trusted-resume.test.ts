// A resume of a file nothing has written to since its upload started trusts the parts its journal recorded (their
// CRC-64 was checked against the server's when they were sent) and re-reads only the parts the journal missed. A file
// written to since, even with its size and mtime put back, has every adopted part re-read and a changed one re-sent;
// so does a file whose ctime was too fresh when the upload started to prove that no later write hides behind it, and
// a checkpoint another user could have written (forged, its claim that the file is unchanged proves nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, open, readFile, stat, truncate, utimes } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileCheckpointStore, uploadFile } from '../../../src/transfer/index.js';
import { AbortedError } from '../../../src/core/errors.js';
import { SETTLE_MS } from '../../../src/transfer/checkpoint/file-identity.js';
import { FileSource } from '../../../src/transfer/io/file-source.js';
import { PART, makeFile, objectBytes, pauseAfter, setup, type Env } from '../fixtures.js';

/** Runs `fn`, counting the resumed parts re-read from the file meanwhile (re-checks: reads whose bytes are not kept). */
async function countingRereads<T>(fn: () => Promise<T>): Promise<{ result: T; rereads: number }> {
  const read = FileSource.prototype.read;
  let rereads = 0;
  FileSource.prototype.read = function (this: FileSource, ...args: Parameters<typeof read>) {
    if (args[1]?.discard) rereads++;
    return read.apply(this, args);
  };
  try {
    return { result: await fn(), rereads };
  } finally {
    FileSource.prototype.read = read;
  }
}

/** An upload of `file` paused after 4 parts, the last journal record torn off; the parts listed and journaled. */
async function pausedUpload(env: Env, file: string, key: string): Promise<{ listed: number; journaled: number }> {
  await assert.rejects(
    uploadFile(env.client, { bucket: env.bucket, key, file, checkpoint: true, ...pauseAfter(4) }),
    AbortedError,
  );
  const cp = `${file}.ucp`;
  await truncate(cp, (await stat(cp)).size - 3);
  const loaded = await new FileCheckpointStore<{ uploadId: string }, { kind?: string }>(cp).load();
  const journaled = loaded!.records.filter((r) => r.kind === 'part').length;
  const listed = (await env.client.listParts(env.bucket, key, loaded!.header.uploadId)).parts.length;
  return { listed, journaled };
}

test('a file untouched since its upload started: journaled parts are trusted, only unjournaled ones re-read', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'u.bin', 8 * PART, 31);
  await sleep(SETTLE_MS + 100); // the ctime the upload starts with has stood long enough to be trusted
  const { listed, journaled } = await pausedUpload(env, file, 'u');
  assert.ok(journaled >= 3 && listed > journaled, `${journaled} journaled of ${listed} listed`);
  const { result, rereads } = await countingRereads(() =>
    uploadFile(env.client, { bucket: env.bucket, key: 'u', file, checkpoint: true }),
  );
  assert.equal(rereads, listed - journaled, 'only the parts the journal missed are read again');
  assert.equal(result.resumedBytes, listed * PART);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'u'), data);
});

test('a settled file rewritten with its size and mtime put back: every adopted part re-read, the changed one re-sent', async (t) => {
  const env = await setup(t);
  const { file } = await makeFile(env.dir, 'w.bin', 8 * PART, 32);
  await utimes(file, 1_700_000_000, 1_700_000_000);
  await sleep(SETTLE_MS + 100);
  const { listed } = await pausedUpload(env, file, 'w');
  const before = await stat(file);
  const fresh = await readFile(file);
  fresh.fill(0xa5, PART + 7, PART + 900); // inside part 2, uploaded and journaled
  const h = await open(file, 'r+');
  await h.write(fresh.subarray(PART, 2 * PART), 0, PART, PART);
  await h.close();
  await utimes(file, before.atime, before.mtime);
  const { result, rereads } = await countingRereads(() =>
    uploadFile(env.client, { bucket: env.bucket, key: 'w', file, checkpoint: true }),
  );
  assert.equal(rereads, listed, 'the ctime moved: every adopted part is read again');
  assert.equal(result.resumedBytes, (listed - 1) * PART, 'part 2 is sent again');
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'w'), fresh);
});

test('a file changed less than a second before its upload started: every adopted part is re-read', async (t) => {
  const env = await setup(t);
  const { file, data } = await makeFile(env.dir, 'f.bin', 8 * PART, 33);
  const { listed } = await pausedUpload(env, file, 'f');
  const { result, rereads } = await countingRereads(() =>
    uploadFile(env.client, { bucket: env.bucket, key: 'f', file, checkpoint: true }),
  );
  assert.equal(rereads, listed);
  assert.equal(result.resumedBytes, listed * PART);
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'f'), data);
});

const others: Array<[string, (cp: string) => Promise<void>, boolean]> = [
  ['writable by others', (cp) => chmod(cp, 0o666), false],
  ["another user's", (cp) => chown(cp, 12345, 12345), process.getuid?.() !== 0],
];
for (const [what, make, skip] of others) {
  test(`a checkpoint ${what} is not trusted: every adopted part is re-read`, { skip }, async (t) => {
    const env = await setup(t);
    const { file, data } = await makeFile(env.dir, 'o.bin', 8 * PART, 34);
    await sleep(SETTLE_MS + 100); // settled: only the checkpoint's ownership stands between the resume and trust
    const { listed } = await pausedUpload(env, file, 'o');
    await make(`${file}.ucp`);
    const { result, rereads } = await countingRereads(() =>
      uploadFile(env.client, { bucket: env.bucket, key: 'o', file, checkpoint: true }),
    );
    assert.equal(rereads, listed, 'anyone could have written its claim that the file is unchanged');
    assert.equal(result.resumedBytes, listed * PART);
    assert.deepEqual(await objectBytes(env.client, env.bucket, 'o'), data);
  });
}
