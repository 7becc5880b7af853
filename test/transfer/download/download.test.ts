// downloadFile against the embedded server over real HTTP: whole objects (single and multipart, empty), ranges,
// progress, directory destinations, atomic overwrite, pause and resume, and bad input as typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { downloadFile, keyBaseName, resolveDownloadTarget } from '../../../src/transfer/download/download-file.js';
import { checkFreeSpace } from '../../../src/transfer/download/target.js';
import { uploadFile } from '../../../src/transfer/index.js';
import {
  AbortedError,
  ArgumentError,
  CheckpointError,
  InsufficientDiskSpaceError,
  ServiceError,
} from '../../../src/core/errors.js';
import { crc64, crc64ToDecimal } from '../../../src/core/crc64.js';
import { PART, bytes, leftovers, pauseAfter, recorder, setup, tempsOf, withObject } from './env.js';

test('a whole object downloads byte-identical, CRC-64 verified, nothing left beside it', async (t) => {
  const size = 7 * PART + 123;
  const { env, data } = await withObject(t, 'dir/a.bin', size, 1);
  const file = path.join(env.dir, 'a.bin');
  const rec = recorder();
  const res = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'dir/a.bin',
    file,
    checkpoint: true,
    concurrency: 3,
    onProgress: rec.onProgress,
  });
  assert.deepEqual(await readFile(file), data);
  assert.equal(res.file, file);
  assert.equal(res.size, size);
  assert.equal(res.parts, 8);
  assert.equal(res.verified, 'crc64');
  assert.equal(res.crc64, crc64ToDecimal(crc64(data)));
  assert.equal(res.resumedBytes, 0);
  assert.equal(res.transferredBytes, size);
  assert.equal(res.range, undefined);
  assert.match(res.etag, /^[0-9A-F]{32}$/);
  assert.deepEqual(await leftovers(env.dir), ['a.bin'], 'no checkpoint, lock or temporary file left');
  const types = rec.events.map((e) => e.type).filter((x) => x !== 'progress');
  assert.equal(types[0], 'start');
  assert.deepEqual(types.slice(-2), ['completing', 'complete']);
  assert.equal(types.filter((x) => x === 'part').length, 8);
  const progress = rec.progress();
  assert.ok(
    progress.every((b, i) => b <= size && (i === 0 || b > progress[i - 1]!)),
    'monotonic, never above total',
  );
  assert.equal(progress.at(-1), size);
  const completing = rec.events.findIndex((e) => e.type === 'completing');
  assert.ok(
    rec.events.slice(0, completing).every((e) => e.type !== 'progress' || e.bytesDone < size),
    '100% only after completion',
  );
});

test('a multipart-uploaded object (combined server CRC-64) downloads verified', async (t) => {
  const env = await setup(t);
  const src = path.join(env.dir, 'src.bin');
  const data = bytes(5 * PART + 77, 2);
  await writeFile(src, data);
  await uploadFile(env.client, { bucket: env.bucket, key: 'mp', file: src, partSize: PART });
  const head = await env.client.headObject(env.bucket, 'mp');
  assert.equal(head.objectType, 'Multipart');
  const file = path.join(env.dir, 'mp.out');
  const res = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'mp',
    file,
    partSize: 2 * PART,
    concurrency: 2,
  });
  assert.deepEqual(await readFile(file), data);
  assert.equal(res.verified, 'crc64');
  assert.equal(res.parts, 3);
});

test('an empty object gives an empty file', async (t) => {
  const { env } = await withObject(t, 'empty', 0);
  const file = path.join(env.dir, 'empty.out');
  const res = await downloadFile(env.client, { bucket: env.bucket, key: 'empty', file, checkpoint: true });
  assert.equal((await readFile(file)).length, 0);
  assert.equal(res.size, 0);
  assert.equal(res.crc64, '0');
  assert.equal(res.verified, 'crc64');
  assert.deepEqual(await leftovers(env.dir), ['empty.out']);
});

test('ranges return exactly the requested bytes; only a whole-object range is CRC-verified', async (t) => {
  const size = 4 * PART + 10;
  const { env, data } = await withObject(t, 'r', size, 3);
  const cases: Array<[{ start: number; end?: number }, number, number]> = [
    [{ start: 0, end: 0 }, 0, 0],
    [{ start: 5, end: 99 }, 5, 99],
    [{ start: PART - 1, end: 3 * PART + 1 }, PART - 1, 3 * PART + 1],
    [{ start: size - 1 }, size - 1, size - 1],
    [{ start: 1000 }, 1000, size - 1],
    [{ start: 7, end: size + 5000 }, 7, size - 1], // clamped, as HTTP does
  ];
  for (const [range, start, end] of cases) {
    const file = path.join(env.dir, `r-${start}-${end}`);
    const res = await downloadFile(env.client, {
      bucket: env.bucket,
      key: 'r',
      file,
      range,
      partSize: PART,
      concurrency: 2,
    });
    const want = data.subarray(start, end + 1);
    assert.deepEqual(await readFile(file), want, JSON.stringify(range));
    assert.equal(res.size, want.length);
    assert.deepEqual(res.range, { start, end });
    assert.equal(res.verified, 'length-only');
    assert.equal(res.crc64, crc64ToDecimal(crc64(want)));
  }
  const whole = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'r',
    file: path.join(env.dir, 'whole'),
    range: { start: 0 },
  });
  assert.equal(whole.verified, 'crc64');
  await assert.rejects(
    downloadFile(env.client, {
      bucket: env.bucket,
      key: 'r',
      file: path.join(env.dir, 'past'),
      range: { start: size },
    }),
    (err: unknown) => err instanceof ArgumentError && err.field === 'range' && /has only/.test(err.message),
  );
});

test("a directory destination gets the key's base name; an existing file is replaced atomically, keeping its mode", async (t) => {
  const { env, data } = await withObject(t, 'photos/2024/cat.jpg', 3 * PART, 4);
  const into = path.join(env.dir, 'into');
  await mkdir(into);
  const res = await downloadFile(env.client, { bucket: env.bucket, key: 'photos/2024/cat.jpg', file: into });
  assert.equal(res.file, path.join(into, 'cat.jpg'));
  assert.deepEqual(await readFile(res.file), data);

  const existing = path.join(env.dir, 'old.jpg');
  await writeFile(existing, 'old content');
  await chmod(existing, 0o640);
  await downloadFile(env.client, { bucket: env.bucket, key: 'photos/2024/cat.jpg', file: existing });
  assert.deepEqual(await readFile(existing), data);
  assert.equal((await stat(existing)).mode & 0o777, 0o640);

  assert.equal(keyBaseName('a/b/c.txt'), 'c.txt');
  assert.equal(keyBaseName('plain'), 'plain');
  assert.equal(keyBaseName('folder/'), '');
  assert.equal(await resolveDownloadTarget(`${into}/`, 'x/y.bin'), path.join(into, 'y.bin'));
  assert.equal(await resolveDownloadTarget(path.join(into, 'named'), 'x/y.bin'), path.join(into, 'named'));
  await assert.rejects(
    resolveDownloadTarget(into, 'folder/'),
    (err: unknown) => err instanceof ArgumentError && err.field === 'file',
  );
});

test('a key with a 255-byte base name downloads (the temporary name is shortened to fit); a longer name is refused', async (t) => {
  const name = `${'é'.repeat(100)}${'n'.repeat(55)}`; // 255 bytes in UTF-8
  const key = `long/${name}`;
  const { env, data } = await withObject(t, key, 3 * PART, 9);
  const into = path.join(env.dir, 'into');
  const cps = path.join(env.dir, 'cps');
  await mkdir(into);
  await mkdir(cps);
  // `<name>.dcp` cannot exist beside such a name: a clear CheckpointUnusable; a checkpoint directory works.
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key, file: into, checkpoint: true }),
    (err: unknown) => err instanceof CheckpointError && err.code === 'CheckpointUnusable',
  );
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key, file: into, checkpoint: cps, ...pauseAfter(1) }),
    AbortedError,
  );
  const res = await downloadFile(env.client, { bucket: env.bucket, key, file: into, checkpoint: cps });
  assert.equal(path.basename(res.file), name);
  assert.ok(res.resumedBytes >= PART, 'the shortened temporary file was found again');
  assert.deepEqual(await readFile(res.file), data);
  assert.deepEqual(await leftovers(into), [name]);
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key, file: path.join(into, `${name}x`) }),
    (err: unknown) => err instanceof ArgumentError && err.field === 'file' && /256 bytes/.test(err.message),
  );
});

test('pause keeps the checkpoint and temporary file (never the destination); the rerun resumes byte-identical', async (t) => {
  const size = 10 * PART + 1;
  const { env, data } = await withObject(t, 'p', size, 5);
  const file = path.join(env.dir, 'p.out');
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key: 'p', file, checkpoint: true, ...pauseAfter(4) }),
    AbortedError,
  );
  await assert.rejects(stat(file), { code: 'ENOENT' }, 'the destination name never holds partial bytes');
  assert.equal((await tempsOf(file)).length, 1);
  assert.equal((await stat((await tempsOf(file))[0]!)).mode & 0o777, 0o600);
  await stat(`${file}.dcp`);
  await assert.rejects(stat(`${file}.dcp.lock`), { code: 'ENOENT' }, 'the lock is released on pause');
  const rec = recorder();
  const res = await downloadFile(env.client, {
    bucket: env.bucket,
    key: 'p',
    file,
    checkpoint: true,
    onProgress: rec.onProgress,
  });
  assert.ok(res.resumedBytes >= 4 * PART, `resumed ${res.resumedBytes}`);
  assert.equal(res.transferredBytes, size - res.resumedBytes);
  assert.deepEqual(await readFile(file), data);
  const start = rec.events.find((e) => e.type === 'start');
  assert.equal(start?.type === 'start' && start.resumedBytes, res.resumedBytes);
  assert.deepEqual(await leftovers(env.dir), ['p.out']);
});

test('without a checkpoint a paused or failed download leaves nothing behind', async (t) => {
  const { env } = await withObject(t, 'n', 6 * PART, 6);
  const file = path.join(env.dir, 'n.out');
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key: 'n', file, ...pauseAfter(2) }),
    AbortedError,
  );
  assert.deepEqual(await leftovers(env.dir), []);
});

test('a checkpoint directory holds a named checkpoint; the download resumes from it', async (t) => {
  const { env, data } = await withObject(t, 'cd/obj', 6 * PART, 7);
  const cpDir = path.join(env.dir, 'cps');
  await mkdir(cpDir);
  const file = path.join(env.dir, 'obj.out');
  await assert.rejects(
    downloadFile(env.client, { bucket: env.bucket, key: 'cd/obj', file, checkpoint: cpDir, ...pauseAfter(2) }),
    AbortedError,
  );
  const names = await leftovers(cpDir);
  assert.equal(names.length, 1);
  assert.match(names[0]!, /^[A-Za-z0-9._-]+\.dcp$/);
  const res = await downloadFile(env.client, { bucket: env.bucket, key: 'cd/obj', file, checkpoint: cpDir });
  assert.ok(res.resumedBytes >= 2 * PART);
  assert.deepEqual(await readFile(file), data);
  assert.deepEqual(await leftovers(cpDir), []);
});

test('bad input fails with clear typed errors before anything is written', async (t) => {
  const { env } = await withObject(t, 'k', PART, 8);
  const file = path.join(env.dir, 'out');
  const base = { bucket: env.bucket, key: 'k', file };
  const isArg = (field: string, re?: RegExp) => (err: unknown) =>
    err instanceof ArgumentError && err.field === field && (!re || re.test(err.message));
  await assert.rejects(
    downloadFile(env.client, { ...base, key: 'missing' }),
    (err: unknown) => err instanceof ServiceError && err.code === 'NoSuchKey' && err.status === 404,
  );
  await assert.rejects(
    downloadFile(env.client, { ...base, bucket: 'no-such-bucket' }),
    (err: unknown) => err instanceof ServiceError && err.code === 'NoSuchBucket',
  );
  await assert.rejects(
    downloadFile(env.client, { ...base, file: path.join(env.dir, 'nope', 'out') }),
    isArg('file', /does not exist/),
  );
  await assert.rejects(downloadFile(env.client, { ...base, partSize: 1024 }), isArg('partSize', /100 KiB/));
  await assert.rejects(downloadFile(env.client, { ...base, partSize: 6 * 1024 ** 3 }), isArg('partSize'));
  await assert.rejects(downloadFile(env.client, { ...base, concurrency: 0 }), isArg('concurrency'));
  await assert.rejects(downloadFile(env.client, { ...base, bucket: '' }), isArg('bucket'));
  await assert.rejects(downloadFile(env.client, { ...base, file: '' }), isArg('file'));
  await assert.rejects(downloadFile(env.client, { ...base, range: { start: -1 } }), isArg('range'));
  await assert.rejects(downloadFile(env.client, { ...base, range: { start: 10, end: 5 } }), isArg('range'));
  await assert.rejects(
    downloadFile(env.client, { ...base, checkpoint: path.join(env.dir, 'no-dir', 'x.dcp') }),
    (err: unknown) => err instanceof CheckpointError && err.code === 'CheckpointUnusable' && /no-dir/.test(err.message),
  );
  const sub = path.join(env.dir, 'sub');
  await mkdir(path.join(sub, 'k'), { recursive: true });
  await assert.rejects(
    downloadFile(env.client, { ...base, file: sub }),
    isArg('file', /is a directory/),
    'sub/k is a directory',
  );
  assert.deepEqual(await leftovers(env.dir), ['sub']);
});

test('free space is checked up front where the platform can tell', async () => {
  const fake = (bavail: number) => async () => ({ bavail, bsize: 4096 });
  await checkFreeSpace('/x', 4096 * 10, fake(10));
  await assert.rejects(
    checkFreeSpace('/x', 4096 * 10 + 1, fake(10)),
    (err: unknown) =>
      err instanceof InsufficientDiskSpaceError &&
      err.code === 'InsufficientDiskSpace' &&
      err.path === '/x' &&
      /needs 40961 more bytes/.test(err.message),
  );
  await checkFreeSpace('/x', 1e15, async () => {
    throw new Error('ENOSYS');
  }); // cannot tell: not refused
  await checkFreeSpace(process.cwd(), 1); // the real statfs on this platform
});
