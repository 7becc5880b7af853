// A tree's job prepares its next file while its current request is out (tree/jobs.ts `ahead`, core/request-gate.ts):
// the next file's work runs up to its request, which waits until the job is free. Against the real embedded server
// behind a proxy that delays every answer, so a request is out long enough to see what happens meanwhile.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AbortedError, OssClient } from '../../../src/index.js';
import { answered, gatedSignal, requestGate, type HeldStart } from '../../../src/core/request-gate.js';
import { downloadPrefix, uploadDirectory, type TreeEvent } from '../../../src/transfer/tree/index.js';
import { runJobs } from '../../../src/transfer/tree/jobs.js';
import { startRequestLog, type RequestLog } from '../../../harness/request-log.js';
import { startTestServer, type TestServer } from '../../../harness/server.js';

const ANSWER_DELAY_MS = 40;

let dir: string;
let server: TestServer;
let proxy: RequestLog;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ossup-ahead-'));
  server = await startTestServer();
  proxy = await startRequestLog(
    { host: '127.0.0.1', port: Number(new URL(server.endpoint).port) },
    { answerDelayMs: ANSWER_DELAY_MS },
  );
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await c.putBucket('ahead');
  await c.close();
});
after(async () => {
  await proxy.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** The requests the proxy saw from index `from` on, with when each arrived. */
const sent = (from: number) => proxy.requests.slice(from).map((line, i) => ({ line, at: proxy.times[from + i]! }));

const fileBytes = (i: number) => Buffer.alloc(3000 + i, 65 + i);

/** Timed tree events: when each file started and finished, on the proxy's clock. */
function timedEvents() {
  const started = new Map<string, number>();
  const done = new Map<string, number>();
  const onEvent = (e: TreeEvent) => {
    if (e.type === 'file-start') started.set(e.rel, performance.now());
    if (e.type === 'done') done.set(e.result.rel, performance.now());
  };
  return { started, done, onEvent };
}

test('ahead: the next file is prepared while the current request is out, and sent only once it is answered', async () => {
  const src = join(dir, 'up');
  await mkdir(src);
  for (let i = 0; i < 5; i++) await writeFile(join(src, `f${i}`), fileBytes(i));
  const client = new OssClient({ endpoint: proxy.endpoint, credentials: server.credentials });
  const { started, done, onEvent } = timedEvents();
  const from = proxy.requests.length;
  try {
    const result = await uploadDirectory(client, { dir: src, bucket: 'ahead', prefix: 'up', jobs: 1, onEvent });
    assert.equal(result.transferred, 5);
  } finally {
    await client.close();
  }
  const puts = sent(from).filter((r) => r.line.startsWith('PUT '));
  assert.deepEqual(
    puts.map((r) => r.line),
    [0, 1, 2, 3, 4].map((i) => `PUT /ahead/up/f${i}`),
  );
  for (let i = 1; i < 5; i++) {
    // Prepared (its work begun: compared, read, hashed, signed) before the answer for the file before it...
    assert.ok(started.get(`f${i}`)! < done.get(`f${i - 1}`)!, `f${i} started before f${i - 1} was done`);
    // ...and its request sent only after that answer (held back at least the proxy's delay): one request in
    // flight, as --jobs 1 says.
    assert.ok(puts[i]!.at - puts[i - 1]!.at >= ANSWER_DELAY_MS, `PUT f${i} after f${i - 1}'s answer`);
  }
  // One file ahead, no more: f(i+1) starts only once f(i)'s request is out.
  for (let i = 2; i < 5; i++) assert.ok(started.get(`f${i}`)! > puts[i - 2]!.at, `f${i} not started two ahead`);
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  try {
    for (let i = 0; i < 5; i++) {
      const got = await c.getObject('ahead', `up/f${i}`);
      assert.deepEqual(Buffer.concat(await got.body.toArray()), fileBytes(i));
    }
  } finally {
    await c.close();
  }
});

test('ahead: a cancelled download sends no prepared request and leaves no descriptor or temporary file', async () => {
  const c = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  for (let i = 0; i < 8; i++) await c.putObject('ahead', `down/f${i}`, fileBytes(i));
  await c.close();
  const out = join(dir, 'down');
  // Descriptors this process holds on files in the destination (Linux).
  const fdsInOut = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(out);
      } catch {
        return false; // closed meanwhile
      }
    }).length;
  const client = new OssClient({ endpoint: proxy.endpoint, credentials: server.credentials });
  const ac = new AbortController();
  const { started, done, onEvent } = timedEvents();
  const from = proxy.requests.length;
  await assert.rejects(
    downloadPrefix(client, {
      dir: out,
      bucket: 'ahead',
      prefix: 'down/',
      jobs: 2,
      signal: ac.signal,
      onEvent: (e) => {
        onEvent(e);
        if (e.type === 'done') ac.abort(); // two files are then prepared, their requests held
      },
    }),
    AbortedError,
  );
  assert.equal(fdsInOut(), 0, 'descriptors open in the destination after the cancelled run');
  await client.close();
  const gets = sent(from).filter((r) => r.line.startsWith('GET /ahead/down/f'));
  assert.ok(started.size > gets.length, `${started.size} started, ${gets.length} sent: some were held`);
  assert.ok(gets.length <= done.size + 2, `${gets.length} GETs for ${done.size} done at --jobs 2`);
  // What is in the destination is exactly the files done, whole; nothing else (no temporary file).
  const names = readdirSync(out).sort();
  assert.deepEqual(names, [...done.keys()].sort());
  for (const name of names) assert.deepEqual(readFileSync(join(out, name)), fileBytes(Number(name.slice(1))));
});

test('ahead: one item per job, held until its job is free; a failure cancels the held item before runJobs returns', async () => {
  const log: string[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  let peakStarted = 0;
  let unsettled = 0;
  const work = async (i: number, held?: HeldStart) => {
    unsettled++;
    peakStarted = Math.max(peakStarted, unsettled);
    log.push(`start ${i}`);
    try {
      await requestGate(held?.signal); // where a request would wait
      if (held?.signal.aborted) throw new AbortedError('held and cancelled');
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      log.push(`sent ${i}`);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      log.push(`answer ${i}`);
    } finally {
      unsettled--;
    }
  };
  async function* numbers(n: number) {
    for (let i = 0; i < n; i++) yield i;
  }
  await runJobs(numbers(12), 2, new AbortController().signal, work, { ahead: () => true });
  assert.equal(log.filter((l) => l.startsWith('answer')).length, 12);
  assert.equal(peakInFlight, 2, 'requests in flight never exceed the jobs');
  assert.equal(peakStarted, 4, 'one item ahead per job');
  assert.ok(log.indexOf('start 2') < log.indexOf('answer 0'), 'item 2 prepared while 0 and 1 were out');
  assert.ok(log.indexOf('sent 2') > log.indexOf('answer 0'), 'item 2 sent once a job was free');

  // A failure stops the run: the items held are cancelled (never sent) and settled before runJobs rejects.
  log.length = 0;
  const failing = async (i: number, held?: HeldStart) => {
    if (i === 0) {
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('job broke');
    }
    await work(i, held);
  };
  await assert.rejects(
    runJobs(numbers(12), 1, new AbortController().signal, failing, { ahead: () => true }),
    /job broke/,
  );
  assert.equal(unsettled, 0, 'every held item settled before runJobs returned');
  assert.deepEqual(log, ['start 1'], 'the held item was never sent');
});

test('ahead: work held behind a request goes once that request, one that moves a body, is answered', async () => {
  const client = new OssClient({ endpoint: proxy.endpoint, credentials: server.credentials });
  const parent = new AbortController().signal;
  const made: ReturnType<typeof gatedSignal>[] = [];
  /** A file whose turn has come (its gate held, then opened) and the next file's work held behind it. */
  const heldBehind = () => {
    const prev = gatedSignal(parent);
    prev.hold();
    prev.open();
    const gate = gatedSignal(parent);
    const held = gate.hold();
    gate.openAfter(prev.signal);
    made.push(prev, gate);
    const state = { opened: false, gate, signal: prev.signal };
    void held.opened.then(() => {
      state.opened = true;
    });
    return state;
  };
  try {
    const put = heldBehind();
    await client.putObject('ahead', 'answered/small', Buffer.alloc(4096, 1), { signal: put.signal });
    assert.equal(put.opened, true, 'opened by the PUT answer, before the PUT settled for its caller');

    // A HEAD moves no bytes (a comparison before the file's own request): the held work still waits.
    const head = heldBehind();
    await client.headObject('ahead', 'answered/small', { signal: head.signal });
    await new Promise((r) => setImmediate(r));
    assert.equal(head.opened, false, 'a HEAD does not let the held work go');
    head.gate.open();
    await new Promise((r) => setImmediate(r));
    assert.equal(head.opened, true);

    // A GET of a small object: answered with its head; of a large one, not (its body is still on the wire).
    const get = heldBehind();
    const small = await client.getObject('ahead', 'answered/small', { signal: get.signal });
    assert.equal(get.opened, true, 'a small GET lets the held work go');
    await small.body.toArray();
    await client.putObject('ahead', 'answered/large', Buffer.alloc(256 * 1024, 2));
    const getLarge = heldBehind();
    const large = await client.getObject('ahead', 'answered/large', { signal: getLarge.signal });
    await new Promise((r) => setImmediate(r));
    assert.equal(getLarge.opened, false, 'a large GET does not, at its head');
    await large.body.toArray();

    // Answered before the work behind it was held: that work goes at once.
    const early = gatedSignal(parent);
    early.hold();
    early.open();
    await client.putObject('ahead', 'answered/early', Buffer.alloc(10, 3), { signal: early.signal });
    const late = gatedSignal(parent);
    let lateOpened = false;
    void late.hold().opened.then(() => {
      lateOpened = true;
    });
    late.openAfter(early.signal);
    await new Promise((r) => setImmediate(r));
    assert.equal(lateOpened, true, 'held behind a request already answered: not held');
    made.push(early, late);
  } finally {
    for (const g of made) {
      g.open();
      g.release();
    }
    await client.close();
  }
});

test('ahead: an item started ahead goes once the request of the item before it is answered, not once it settled', async () => {
  const log: string[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const work = async (i: number, held?: HeldStart) => {
    await requestGate(held?.signal);
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    log.push(`sent ${i}`);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    log.push(`answer ${i}`);
    answered(held?.signal); // what the pipeline does for a request that moved the file's bytes
    await new Promise((r) => setTimeout(r, 5)); // the file's own work after its answer (writes, rename)
    log.push(`settled ${i}`);
  };
  async function* numbers(n: number) {
    for (let i = 0; i < n; i++) yield i;
  }
  await runJobs(numbers(6), 1, new AbortController().signal, work, { ahead: () => true });
  assert.equal(peakInFlight, 1, 'one request in flight at --jobs 1');
  // Item 0 was not started ahead (the run's own signal): item 1 waits for it to settle.
  assert.ok(log.indexOf('sent 1') > log.indexOf('settled 0'), 'item 1 after item 0 settled');
  for (let i = 2; i < 6; i++) {
    assert.ok(log.indexOf(`sent ${i}`) > log.indexOf(`answer ${i - 1}`), `item ${i} after ${i - 1}'s answer`);
    assert.ok(log.indexOf(`sent ${i}`) < log.indexOf(`settled ${i - 1}`), `item ${i} before ${i - 1} settled`);
  }
});
