import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir, appendFile } from 'node:fs/promises';
import { createHash, pbkdf2 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJournal, encodeRecord, JournalWriter, readJournal } from '../../../src/transfer/checkpoint/journal.js';
import {
  checkpointFileName,
  FileCheckpointStore,
  resolveCheckpointPath,
} from '../../../src/transfer/checkpoint/store.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('records round-trip in order; the file is created 0600', async (t) => {
  const file = path.join(await tempDir(t), 'j.ucp');
  const w = await JournalWriter.create(file, { h: 1 });
  for (let i = 1; i <= 3; i++) await w.append({ n: i });
  await w.close();
  const j = await readJournal(file);
  assert.deepEqual(j?.records, [{ h: 1 }, { n: 1 }, { n: 2 }, { n: 3 }]);
  assert.equal(j?.torn, false);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});

test("a record's bytes: u32 BE length, UTF-8 JSON, the first 8 bytes of its SHA-256 (what older journals hold)", () => {
  for (const record of [{ n: 1 }, { kind: 'range', partNumber: 3, crc64: '18446744073709551615', name: 'é✓' }]) {
    const json = Buffer.from(JSON.stringify(record), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    const sum = createHash('sha256').update(json).digest().subarray(0, 8);
    assert.deepEqual(encodeRecord(record), Buffer.concat([len, json, sum]));
  }
});

test('a record is appended on the calling thread, in call order, while the thread pool is busy', async (t) => {
  const file = path.join(await tempDir(t), 'j.dcp');
  const w = await JournalWriter.create(file, { h: 1 });
  // Every pool thread (4 unless UV_THREADPOOL_SIZE says more) taken by slow work: a record that went through the
  // pool would wait for it.
  const threads = Math.max(4, Number(process.env.UV_THREADPOOL_SIZE) || 0);
  let busy = threads;
  const pool = Array.from({ length: threads }, () =>
    promisify(pbkdf2)('x', 'salt', 200_000, 32, 'sha256').finally(() => busy--),
  );
  const synced = w.append({ n: 1 }, { sync: true });
  const unsynced = w.append({ n: 2 }, { sync: false });
  const records = decodeJournal(readFileSync(file))?.records;
  assert.ok(busy > 0, 'the pool was still busy when the file was read');
  assert.deepEqual(records, [{ h: 1 }, { n: 1 }, { n: 2 }]);
  await Promise.all([synced, unsynced, ...pool]);
  await w.close();
});

test('appending is O(1): each record adds a constant number of bytes, the prefix is never rewritten', async (t) => {
  const file = path.join(await tempDir(t), 'j.ucp');
  const w = await JournalWriter.create(file, { h: 1 });
  const sizes: number[] = [];
  for (let i = 0; i < 50; i++) {
    await w.append({ n: 1000 + i });
    sizes.push((await stat(file)).size);
  }
  await w.close();
  const deltas = new Set(sizes.slice(1).map((s, i) => s - sizes[i]!));
  assert.equal(deltas.size, 1);
});

test('a torn last record is dropped and cut off before the next append', async (t) => {
  const file = path.join(await tempDir(t), 'j.ucp');
  const w = await JournalWriter.create(file, { h: 1 });
  await w.append({ n: 1 });
  await w.append({ n: 2 });
  await w.close();
  const full = await readFile(file);
  const lastRecord = 4 + JSON.stringify({ n: 2 }).length + 8;
  for (let cut = 1; cut < lastRecord; cut++) {
    const j = decodeJournal(full.subarray(0, full.length - cut));
    assert.deepEqual(j?.records, [{ h: 1 }, { n: 1 }]);
    assert.equal(j?.torn, true);
  }
  await writeFile(file, full.subarray(0, full.length - 5));
  const store = new FileCheckpointStore<{ h: number }, { n: number }>(file);
  const loaded = await store.load();
  assert.deepEqual(loaded?.records, [{ n: 1 }]);
  await store.append({ n: 3 });
  await store.close();
  assert.deepEqual((await readJournal(file))?.records, [{ h: 1 }, { n: 1 }, { n: 3 }]);
});

test('a flipped byte in a record drops it and everything after; a bad header or magic is unusable', async (t) => {
  const file = path.join(await tempDir(t), 'j.ucp');
  const w = await JournalWriter.create(file, { h: 1 });
  await w.append({ n: 1 });
  await w.append({ n: 2 });
  await w.close();
  const full = await readFile(file);
  const headerEnd = decodeJournal(full.subarray(0, 40))?.validBytes ?? 0;
  assert.ok(headerEnd > 8);
  const j = decodeJournal(full)!;
  const secondStart = full.length - (full.length - headerEnd) / 2;
  const flipped = Buffer.from(full);
  flipped[secondStart - 3]! ^= 0x20;
  assert.deepEqual(decodeJournal(flipped)?.records, [{ h: 1 }]);
  assert.equal(j.records.length, 3);
  for (const at of [0, 3, 12, headerEnd - 1]) {
    const bad = Buffer.from(full);
    bad[at]! ^= 0x01;
    assert.equal(decodeJournal(bad), undefined, `flip at ${at}`);
  }
  assert.equal(decodeJournal(Buffer.from('garbage garbage garbage')), undefined);
  assert.equal(decodeJournal(Buffer.alloc(0)), undefined);
  // A huge length prefix is not trusted.
  const huge = Buffer.concat([full.subarray(0, headerEnd), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
  assert.deepEqual(decodeJournal(huge)?.records, [{ h: 1 }]);
});

test('start() replaces an old journal atomically; remove() deletes it', async (t) => {
  const file = path.join(await tempDir(t), 'j.ucp');
  const store = new FileCheckpointStore<object, object>(file);
  await store.start({ h: 'old' });
  await store.append({ n: 1 });
  await store.start({ h: 'new' });
  await store.append({ n: 9 });
  await store.close();
  // Its own file, mode 0600: the store vouches for it (ours).
  assert.deepEqual(await new FileCheckpointStore(file).load(), {
    header: { h: 'new' },
    records: [{ n: 9 }],
    ours: typeof process.getuid === 'function',
  });
  await appendFile(file, 'x');
  await store.remove();
  await assert.rejects(stat(file), { code: 'ENOENT' });
  assert.equal(await store.load(), undefined);
});

test('checkpoint path: off, true -> <file>.ucp, a file path, a directory -> hashed safe name', async (t) => {
  const dir = await tempDir(t);
  const id = {
    file: path.join(dir, 'data file (1).bin'),
    endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
    bucket: 'b-1',
    key: 'dir/ü key?.bin',
  };
  assert.equal(await resolveCheckpointPath(undefined, id), undefined);
  assert.equal(await resolveCheckpointPath(false, id), undefined);
  assert.equal(await resolveCheckpointPath(true, id), `${id.file}.ucp`);
  assert.equal(await resolveCheckpointPath(path.join(dir, 'my.cp'), id), path.join(dir, 'my.cp'));
  const cpDir = path.join(dir, 'cps');
  await mkdir(cpDir);
  const inDir = await resolveCheckpointPath(cpDir, id);
  assert.equal(path.dirname(inDir!), cpDir);
  assert.match(path.basename(inDir!), /^[A-Za-z0-9._-]+$/);
  assert.match(path.basename(inDir!), /^b-1-dir_/);
  // Distinct transfers get distinct names.
  const names = new Set([
    checkpointFileName(id),
    checkpointFileName({ ...id, key: 'other' }),
    checkpointFileName({ ...id, bucket: 'b-2' }),
    checkpointFileName({ ...id, endpoint: 'http://127.0.0.1:1' }),
    checkpointFileName({ ...id, file: '/tmp/x' }),
  ]);
  assert.equal(names.size, 5);
});
