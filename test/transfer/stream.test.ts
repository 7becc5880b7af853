// uploadStream / downloadStream against the embedded server over real HTTP: byte-identical round trips at the sizes
// where part boundaries matter, the upload aborted on the server whenever it fails or is cancelled, bounded reading
// ahead, and a download refused when the object changes under it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { OssClient, type UploadPartOptions } from '../../src/client/index.js';
import type { BodySource } from '../../src/client/body.js';
import { crc64, crc64ToDecimal } from '../../src/core/crc64.js';
import { AbortedError, OssupError } from '../../src/core/errors.js';
import { downloadStream, uploadStream } from '../../src/transfer/index.js';
import { planStream, streamPartSize } from '../../src/transfer/engine/planner.js';
import { startTestServer, type TestServer } from '../../harness/server.js';

const BUCKET = 'stream-test';
const PART = 100 * 1024;
let server: TestServer;
let client: OssClient;

before(async () => {
  server = await startTestServer();
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket(BUCKET);
});
after(async () => {
  await client.close();
  await server.close();
});

/** `data` as a stream of uneven chunks (part boundaries fall inside chunks). */
function chunked(data: Buffer, chunk = 37 * 1024 + 11): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    })(),
  );
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function openUploads(): Promise<string[]> {
  return (await client.listMultipartUploads(BUCKET)).uploads.map((u) => `${u.key} ${u.uploadId}`);
}

const SIZES: Array<[string, number, number]> = [
  ['empty', 0, 1],
  ['one byte', 1, 1],
  ['exactly one part', PART, 1],
  ['one part + 1', PART + 1, 2],
  ['many parts', 17 * PART + 4321, 18],
];
for (const [name, size, parts] of SIZES) {
  test(`stream -> object -> stream round-trips byte-identical: ${name} (${size} bytes)`, async () => {
    const data = randomBytes(size);
    const key = `round/${size}.bin`;
    const up = await uploadStream(client, chunked(data), { bucket: BUCKET, key, partSize: PART, concurrency: 3 });
    assert.equal(up.size, size);
    assert.equal(up.parts, parts);
    assert.equal(up.file, '-');
    assert.equal(up.crc64, crc64ToDecimal(crc64(data)));
    assert.equal(parts === 1, up.uploadId === undefined, 'one part is one PutObject');
    const head = await client.headObject(BUCKET, key);
    assert.equal(head.size, size);
    assert.equal(head.crc64, crc64(data));
    assert.equal(head.contentType, 'application/octet-stream');

    const events: string[] = [];
    const down = await collect(
      downloadStream(client, {
        bucket: BUCKET,
        key,
        partSize: 64 * 1024,
        concurrency: 3,
        onProgress: (e) => events.push(e.type),
      }),
    );
    assert.ok(down.equals(data), 'the bytes read back are the bytes streamed in');
    assert.equal(events.at(-1), 'complete', 'complete only after the CRC-64 matched');
    assert.deepEqual(await openUploads(), []);
  });
}

test('with no part size the parts start at 8 MiB and double every 1,000 parts, so ~5 TB fits in 10,000', () => {
  const plan = planStream({});
  assert.deepEqual(plan, { base: 8 * 1024 ** 2, fixed: false });
  let total = 0;
  for (let n = 1; n <= 10_000; n++) total += streamPartSize(plan, n)!;
  assert.ok(total >= 5e12, `10,000 parts hold ${total} bytes`);
  assert.equal(streamPartSize(plan, 1000), 8 * 1024 ** 2);
  assert.equal(streamPartSize(plan, 1001), 16 * 1024 ** 2);
  assert.equal(streamPartSize(plan, 10_001), undefined);
  assert.equal(planStream({ expectedSize: 100 * 1024 ** 3 }).base, 103 * 1024 ** 2, '100 GiB expected: ~1,000 parts');
  assert.equal(planStream({ expectedSize: 10 }).base, 8 * 1024 ** 2);
  assert.deepEqual(planStream({ partSize: PART }), { base: PART, fixed: true });
  assert.throws(() => planStream({ partSize: 1000 }), /partSize/);
});

test('a stream that fails midway leaves no incomplete upload on the server', async () => {
  const source = Readable.from(
    (async function* () {
      for (let i = 0; i < 5; i++) yield randomBytes(PART);
      throw new Error('producer died');
    })(),
  );
  await assert.rejects(
    uploadStream(client, source, { bucket: BUCKET, key: 'failed.bin', partSize: PART, concurrency: 2 }),
    /producer died/,
  );
  assert.deepEqual(await openUploads(), [], 'the multipart upload was aborted');
  await assert.rejects(client.headObject(BUCKET, 'failed.bin'), (e: OssupError) => e.code === 'NoSuchKey');
});

test('cancelling (Ctrl-C) aborts the upload on the server, even while the input is silent', async () => {
  const controller = new AbortController();
  const source = new Readable({ read() {} });
  for (let i = 0; i < 4; i++) source.push(randomBytes(PART));
  let parts = 0;
  const run = uploadStream(client, source, {
    bucket: BUCKET,
    key: 'cancelled.bin',
    partSize: PART,
    concurrency: 2,
    signal: controller.signal,
    onProgress: (e) => {
      if (e.type === 'part' && ++parts === 2) setTimeout(() => controller.abort(), 20);
    },
  });
  await assert.rejects(run, AbortedError);
  assert.deepEqual(await openUploads(), []);
});

test('a part that fails for good aborts the upload and names the cause', async () => {
  await client.putBucket('stream-gone');
  const source = new Readable({ read() {} });
  for (let i = 0; i < 3; i++) source.push(randomBytes(PART));
  const failing = new (class extends OssClient {
    override uploadPart(
      b: string,
      k: string,
      id: string,
      n: number,
      body: BodySource | Uint8Array,
      o?: UploadPartOptions,
    ) {
      if (n === 2) return Promise.reject(new OssupError('InjectedFailure', 'part 2 refused'));
      return super.uploadPart(b, k, id, n, body, o);
    }
  })({ endpoint: server.endpoint, credentials: server.credentials });
  try {
    await assert.rejects(
      uploadStream(failing, source, { bucket: 'stream-gone', key: 'x.bin', partSize: PART, concurrency: 1 }),
      /part 2 refused/,
    );
    assert.deepEqual((await client.listMultipartUploads('stream-gone')).uploads, []);
  } finally {
    await failing.close();
  }
});

test('reading ahead stops at `concurrency` part buffers while parts are stuck', async () => {
  let pulled = 0;
  const source = new Readable({
    highWaterMark: 16 * 1024,
    read() {
      pulled += 16 * 1024;
      this.push(Buffer.alloc(16 * 1024, 1));
    },
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const stuck = new (class extends OssClient {
    override async uploadPart(
      b: string,
      k: string,
      id: string,
      n: number,
      body: BodySource | Uint8Array,
      o?: UploadPartOptions,
    ) {
      await gate;
      return super.uploadPart(b, k, id, n, body, o);
    }
  })({ endpoint: server.endpoint, credentials: server.credentials });
  const controller = new AbortController();
  const run = uploadStream(stuck, source, {
    bucket: BUCKET,
    key: 'bounded.bin',
    partSize: PART,
    concurrency: 3,
    signal: controller.signal,
  });
  for (let i = 0; i < 250 && pulled < 3 * PART; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(pulled >= 3 * PART, 'it did fill the buffers it may');
  await new Promise((r) => setTimeout(r, 300));
  // 3 buffers filled; the reader may hold one chunk ahead, and the Readable its own small buffer.
  assert.ok(pulled <= 3 * PART + 3 * 16 * 1024, `read ${pulled} bytes with 3 parts of ${PART} stuck`);
  controller.abort();
  release();
  await assert.rejects(run, AbortedError);
  await stuck.close();
  assert.deepEqual(await openUploads(), []);
});

test('an object replaced during a streamed download is refused, not mixed', async () => {
  const key = 'changing.bin';
  await client.putObject(BUCKET, key, randomBytes(6 * PART));
  const stream = downloadStream(client, { bucket: BUCKET, key, partSize: PART, concurrency: 1 });
  const got: Buffer[] = [];
  await assert.rejects(
    (async () => {
      for await (const c of stream) {
        got.push(c as Buffer);
        if (got.length === 1) await client.putObject(BUCKET, key, randomBytes(6 * PART));
      }
    })(),
    (e: OssupError) => e.code === 'ObjectChanged',
  );
  assert.ok(got.length < 6);
});

test('the content type is guessed from the key unless given', async () => {
  await uploadStream(client, chunked(Buffer.from('{"a":1}')), { bucket: BUCKET, key: 'typed/doc.json' });
  assert.equal((await client.headObject(BUCKET, 'typed/doc.json')).contentType, 'application/json');
  await uploadStream(client, chunked(Buffer.from('x')), {
    bucket: BUCKET,
    key: 'typed/doc2.json',
    contentType: 'text/plain',
  });
  assert.equal((await client.headObject(BUCKET, 'typed/doc2.json')).contentType, 'text/plain');
});

test('a reader that stops reading stops the fetching: at most `concurrency` ranges are asked for and held', async () => {
  const data = randomBytes(20 * PART);
  await client.putObject(BUCKET, 'slow-reader.bin', data);
  let gets = 0;
  const counting = new (class extends OssClient {
    override getObject(...a: Parameters<OssClient['getObject']>) {
      gets++;
      return super.getObject(...a);
    }
  })({ endpoint: server.endpoint, credentials: server.credentials });
  try {
    const stream = downloadStream(counting, { bucket: BUCKET, key: 'slow-reader.bin', partSize: PART, concurrency: 3 });
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.pause();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(gets >= 3, 'the window was filled');
    // One range handed to the reader, then the window refilled once: 3 + 1 asked for, never the whole object.
    assert.ok(gets <= 4, `${gets} ranges asked for while the reader held one`);
    const rest = await collect(stream);
    assert.ok(Buffer.concat([first, rest]).equals(data));
    assert.equal(gets, 20);
  } finally {
    await counting.close();
  }
});

/** A client whose GET bodies count the bytes they deliver (the bytes the stream has received from the server). */
function countingClient(counter: { received: number }): OssClient {
  return new (class extends OssClient {
    override async getObject(...a: Parameters<OssClient['getObject']>) {
      const res = await super.getObject(...a);
      const body = res.body;
      const counted = Readable.from(
        (async function* () {
          for await (const c of body) {
            counter.received += (c as Buffer).length;
            yield c as Buffer;
          }
        })(),
        { objectMode: false, highWaterMark: 1 },
      );
      counted.on('close', () => body.destroy());
      return { ...res, body: counted } as typeof res;
    }
  })({ endpoint: server.endpoint, credentials: server.credentials });
}

test('a slow reader gets the object byte-identical, and the stream never holds more than `concurrency` ranges', async () => {
  const data = randomBytes(12 * PART + 999);
  await client.putObject(BUCKET, 'slow-consumer.bin', data);
  const counter = { received: 0 };
  const counting = countingClient(counter);
  try {
    const concurrency = 3;
    const events: string[] = [];
    const stream = downloadStream(counting, {
      bucket: BUCKET,
      key: 'slow-consumer.bin',
      partSize: PART,
      concurrency,
      onProgress: (e) => events.push(e.type),
    });
    const got: Buffer[] = [];
    let read = 0;
    let most = 0;
    for await (const c of stream) {
      got.push(c as Buffer);
      read += (c as Buffer).length;
      // Received but not yet read: the ranges held. A range counts until the reader has taken its last byte.
      most = Math.max(most, counter.received - read);
      // Slow: the fetching would run far ahead if nothing bounded it.
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(Buffer.concat(got).equals(data), 'byte-identical under backpressure');
    assert.equal(events.at(-1), 'complete');
    assert.ok(most <= concurrency * PART, `held ${most} bytes, more than ${concurrency} ranges of ${PART}`);
  } finally {
    await counting.close();
  }
});

test('a reader that stops early stops every range in flight', async () => {
  const data = randomBytes(12 * PART);
  await client.putObject(BUCKET, 'early-stop.bin', data);
  const stream = downloadStream(client, { bucket: BUCKET, key: 'early-stop.bin', partSize: PART, concurrency: 3 });
  let read = 0;
  for await (const c of stream) {
    read += (c as Buffer).length;
    if (read >= PART) break;
  }
  assert.ok(stream.destroyed);
  assert.ok(read < data.length);
  // The server still answers: nothing was left half-open that would block the next request.
  assert.equal((await client.headObject(BUCKET, 'early-stop.bin')).size, data.length);
});
