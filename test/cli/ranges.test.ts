// A download with no flags sizes its ranges from the object (issue 23; engine/ranges.ts): over real HTTP to the
// embedded server, the ranges asked for are larger than the 8 MiB that used to be planned before the first byte,
// they tile the object, the whole is CRC-64 verified, and a run killed mid-way resumes from the journal, which
// records each range's offset, size and CRC-64 (a range damaged since is fetched again).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { crc64, crc64ToDecimal } from '../../src/core/crc64.js';
import { decodeJournal } from '../../src/transfer/checkpoint/journal.js';
import {
  type CliServer,
  finished,
  lastJson,
  runCli,
  spawnCli,
  startCliServer,
  stopCliServer,
} from '../../harness/cli.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { startRequestLog, type RequestLog } from '../../harness/request-log.js';

const MiB = 1024 ** 2;
const SIZE = 96 * MiB;
const BUCKET = 'ranges';
const SLOW = { rate: 1, kinds: ['slow' as const], bytesPerSecond: 12 * MiB };
let cs: CliServer;
let log: RequestLog;
let slow: FaultProxy;
let data: Buffer;

before(async () => {
  cs = await startCliServer(BUCKET);
  const target = { host: cs.server.server.host, port: cs.server.server.port };
  log = await startRequestLog(target);
  // 12 MiB/s per connection: the first range (a quarter of the object at the 4 connections a 96 MiB download starts
  // with) takes about 2 s, so the run is still moving when it is killed.
  slow = await startFaultProxy(target, SLOW);
  data = randomBytes(SIZE);
  await cs.client.putObject(BUCKET, 'big.bin', data);
});
after(async () => {
  await log.close();
  await slow.close();
  await stopCliServer(cs);
});

const down = (dest: string, endpoint: string, ...more: string[]) =>
  ['cp', `oss://${BUCKET}/big.bin`, dest, '--endpoint', endpoint, '--json', ...more] as string[];

test('no --part-size: ranges larger than 8 MiB, tiling the object; the whole object CRC-64 verified', async () => {
  const dest = join(cs.box.dir, 'whole.bin');
  log.ranges.length = 0;
  // Four connections, fixed: ranges are cut at the 8 MiB floor until one has finished and given a rate, so on a slow
  // machine a controller that grew to 12 connections before then would rightly have cut all 96 MiB at the floor.
  const r = await runCli(down(dest, log.endpoint, '--no-checkpoint', '--parallel', '4'), cs.box.env);
  assert.equal(r.code, 0, r.stderr);
  const json = lastJson(r.stdout);
  assert.equal(json.crc64, crc64ToDecimal(crc64(data)));
  assert.ok((await readFile(dest)).equals(data), 'byte-identical');
  const ranges = [...log.ranges].sort((a, b) => a.start - b.start);
  const sizes = ranges.map((g) => g.end - g.start + 1);
  // main asked for 12 ranges of 8 MiB, planned before the first byte.
  assert.ok(Math.max(...sizes) > 8 * MiB, `range sizes ${sizes}`);
  assert.ok(ranges.length < 12, `${ranges.length} ranges`);
  assert.equal(json.parts, ranges.length);
  let at = 0;
  for (const g of ranges) {
    assert.equal(g.start, at, 'the ranges tile the object, none asked twice');
    at = g.end + 1;
  }
  assert.equal(at, SIZE);
});

interface Rec {
  kind?: string;
  version?: number;
  partSize?: number;
  partNumber?: number;
  offset?: number;
  size?: number;
  crc64?: string;
}

/** The download's journal once it records `n` ranges (lease and closing records aside). */
async function journalWith(dir: string, n: number): Promise<{ file: string; records: Rec[] }> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const cp = names.find((name) => name.endsWith('.dcp'));
    if (cp) {
      const bytes = await readFile(join(dir, cp)).catch(() => undefined);
      const records = (bytes && decodeJournal<Rec>(bytes)?.records) ?? [];
      if (records.filter((x) => x.kind === 'range').length >= n) return { file: join(dir, cp), records };
    }
    await sleep(20);
  }
  throw new Error('the journal never recorded a range');
}

test('killed mid-way: the journal holds each range by offset, size and CRC-64; the rerun resumes it', async () => {
  const dest = join(cs.box.dir, 'resumed.bin');
  slow.setPlan(SLOW);
  const child = spawnCli(down(dest, slow.endpoint), cs.box.env);
  const done = finished(child);
  const { file } = await journalWith(join(cs.box.ossupHome, 'checkpoints'), 2);
  child.kill('SIGKILL');
  assert.equal((await done).signal, 'SIGKILL');
  // What the killed run left (it may have recorded more before the signal landed).
  const records = decodeJournal<Rec>(await readFile(file))!.records;

  assert.equal(records[0]!.version, 2);
  assert.equal(records[0]!.partSize, undefined, 'no range size fixed for the download');
  const ranges = records.filter((x) => x.kind === 'range');
  for (const g of ranges) {
    const want = crc64ToDecimal(crc64(data.subarray(g.offset!, g.offset! + g.size!)));
    assert.equal(g.crc64, want, `range ${g.partNumber}: the CRC-64 of exactly its bytes`);
  }
  // Damage a recorded range once the killed run's lease has run out: the rerun re-reads it, finds it wrong against
  // its CRC-64 and fetches it again; the other recorded ranges are kept.
  await sleep(1100);
  const temp = (await readdir(cs.box.dir)).find((n) => n.startsWith('resumed.bin.ossup-') && n.endsWith('.tmp'));
  assert.ok(temp, 'the temporary file is kept');
  const damaged = ranges[0]!;
  const h = await open(join(cs.box.dir, temp), 'r+');
  await h.write(Buffer.from([data[damaged.offset! + 5]! ^ 0xff]), 0, 1, damaged.offset! + 5);
  await h.close();

  slow.setPlan({ rate: 0, kinds: [] }); // the same endpoint (the checkpoint names it), now at full speed
  const r = await runCli(down(dest, slow.endpoint), cs.box.env);
  assert.equal(r.code, 0, r.stderr);
  const json = lastJson(r.stdout);
  const kept = ranges.slice(1).reduce((a, g) => a + g.size!, 0);
  assert.ok(kept > 0);
  assert.equal(json.resumedBytes, kept);
  assert.equal(Number(json.resumedBytes) + Number(json.transferredBytes), SIZE);
  assert.equal(json.crc64, crc64ToDecimal(crc64(data)));
  assert.ok((await readFile(dest)).equals(data), 'byte-identical');
  assert.deepEqual(
    (await readdir(join(cs.box.ossupHome, 'checkpoints'))).filter((n) => !n.endsWith('.lock')),
    [],
  );
});

test('--part-size still fixes the range size, and --parallel the ranges in flight', async () => {
  const dest = join(cs.box.dir, 'fixed.bin');
  log.ranges.length = 0;
  const r = await runCli(
    down(dest, log.endpoint, '--no-checkpoint', '--part-size', '16M', '--parallel', '2'),
    cs.box.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok((await readFile(dest)).equals(data), 'byte-identical');
  const sizes = log.ranges.map((g) => g.end - g.start + 1);
  assert.deepEqual(sizes, Array(6).fill(16 * MiB));
  const tuning = lastJson(r.stdout).tuning as { connections: unknown; partSize: unknown };
  assert.deepEqual(tuning.partSize, { value: 16 * MiB, source: 'flag' });
  assert.deepEqual(tuning.connections, { value: 2, source: 'flag' });
});

test('a slow link: no range takes more than a few seconds on one connection (here the 8 MiB floor)', async () => {
  // 2 MiB/s per connection: 2 s is 4 MiB, below the floor. Sized by the object alone, the first ranges were a share
  // of the 96 MiB per connection (up to 24 MiB, 12 s each, all lost at a kill).
  const logged = new URL(log.endpoint);
  const plan = { rate: 1, kinds: ['slow' as const], bytesPerSecond: 2 * MiB };
  const crawl = await startFaultProxy({ host: logged.hostname, port: Number(logged.port) }, plan);
  try {
    const dest = join(cs.box.dir, 'timed.bin');
    log.ranges.length = 0;
    const r = await runCli(down(dest, crawl.endpoint, '--no-checkpoint'), cs.box.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastJson(r.stdout).crc64, crc64ToDecimal(crc64(data)));
    const sizes = log.ranges.map((g) => g.end - g.start + 1);
    assert.ok(
      sizes.every((s) => s <= 8 * MiB),
      `range sizes ${sizes.map((s) => s / MiB)} MiB`,
    );
    assert.equal(
      sizes.reduce((a, s) => a + s, 0),
      SIZE,
    );
  } finally {
    await crawl.close();
  }
});
