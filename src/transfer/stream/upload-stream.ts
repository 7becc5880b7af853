// uploadStream: a Readable of unknown length into one object. The first part is read whole: if the stream ends
// within it, one PutObject; otherwise a multipart upload whose parts are sent while the next ones are read. At most
// `concurrency` part buffers exist (the one being filled included), so memory is concurrency x part size whatever the
// stream's length. Each part carries Content-MD5 and its CRC-64 is checked; the CRC-64 combined from the parts (all
// computed on the stream's bytes) must equal the completed object's. A stream cannot be replayed, so it cannot be
// resumed: on any failure or cancellation the multipart upload is aborted on the server, never left behind.
import type { Readable } from 'node:stream';
import mime from 'mime';
import { crc64Combine, crc64ToDecimal } from '../../core/crc64.js';
import { AbortedError, ArgumentError, IntegrityError, OssupError } from '../../core/errors.js';
import { validateBucketName, validateObjectKey } from '../../core/names.js';
import { bufferBody, type ObjectWriteOptions, type OssClient } from '../../client/index.js';
import { abortError } from '../../core/errors.js';
import { MAX_PARTS } from '../../core/limits.js';
import type { TransferEvent, UploadResult } from '../types.js';
import { sendVerified } from '../upload/resend.js';
import type { DonePart } from '../upload/session.js';
import { planStream, streamPartSize } from '../engine/planner.js';
import { StreamReader, type FilledPart } from './stream-reader.js';

export interface UploadStreamOptions extends ObjectWriteOptions {
  bucket: string;
  key: string;
  /** Every part this size (100 KiB..5 GiB); the stream may then hold at most 10,000 of them. Default: growing sizes. */
  partSize?: number;
  /** The stream's length if known roughly: the first parts are sized so it fits in about 1,000 of them. */
  expectedSize?: number;
  /** Parts in flight, and part buffers in memory (default 4). */
  concurrency?: number;
  /** Bandwidth cap in bits per second (x-oss-traffic-limit). */
  trafficLimit?: number;
  /** `part` events (totalParts 0: unknown while the stream runs), `completing` and `complete`. Content-Type: guessed from the key. */
  onProgress?: (event: TransferEvent) => void;
  /** Aborting cancels: the multipart upload is aborted on the server and AbortedError is thrown. */
  signal?: AbortSignal;
}

/** The stream's bytes as `bucket/key`. The result's `file` is '-'. The stream is consumed (destroyed on failure). */
export async function uploadStream(
  client: OssClient,
  readable: Readable | AsyncIterable<unknown>,
  opts: UploadStreamOptions,
): Promise<UploadResult> {
  validate(opts);
  const plan = planStream(opts);
  const concurrency = opts.concurrency ?? 4;
  // One controller for the reader and the parts: a failed part stops a read waiting on a silent pipe too.
  const inner = new AbortController();
  const onAbort = () => inner.abort(abortError(opts.signal!));
  if (opts.signal?.aborted) throw abortError(opts.signal);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const reader = new StreamReader(readable, inner.signal);
  const emit = (e: TransferEvent) => opts.onProgress?.(e);
  try {
    const first = Buffer.allocUnsafe(plan.base);
    const head = await reader.fill(first);
    if (head.size < plan.base || (await reader.atEnd()))
      return await putSingle(client, opts, first.subarray(0, head.size), head, emit);
    return await new MultipartStream(client, opts, reader, plan, concurrency, inner, emit).run(first, head);
  } catch (err) {
    reader.close();
    if (opts.signal?.aborted && !(err instanceof AbortedError)) throw abortError(opts.signal);
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function validate(opts: UploadStreamOptions): void {
  if (!opts || typeof opts !== 'object') throw new ArgumentError('options', 'uploadStream needs an options object');
  const badBucket = validateBucketName(opts.bucket);
  if (badBucket) throw new ArgumentError('bucket', `invalid bucket name ${JSON.stringify(opts.bucket)}: ${badBucket}`);
  const badKey = validateObjectKey(opts.key);
  if (badKey) throw new ArgumentError('key', `invalid object key ${JSON.stringify(opts.key)}: ${badKey}`);
  const c = opts.concurrency ?? 4;
  if (!Number.isInteger(c) || c < 1 || c > 1000)
    throw new ArgumentError('concurrency', `concurrency must be an integer in 1..1000, got ${c}`);
}

function writeOptions(opts: UploadStreamOptions): ObjectWriteOptions {
  return {
    contentType: opts.contentType ?? mime.getType(opts.key) ?? 'application/octet-stream',
    meta: opts.meta,
    acl: opts.acl,
    storageClass: opts.storageClass,
    tagging: opts.tagging,
    forbidOverwrite: opts.forbidOverwrite,
    headers: opts.headers,
  };
}

function result(
  opts: UploadStreamOptions,
  etag: string,
  crc: bigint,
  size: number,
  parts: number,
  uploadId?: string,
): UploadResult {
  return {
    bucket: opts.bucket,
    key: opts.key,
    file: '-',
    etag,
    crc64: crc64ToDecimal(crc),
    size,
    parts,
    resumedBytes: 0,
    transferredBytes: size,
    ...(uploadId ? { uploadId } : {}),
  };
}

/**
 * The bytes are in memory, hashed as they were read: a Content-MD5 or CRC-64 mismatch can only be damage on the way,
 * so the same bytes are sent again (sendVerified, the upload's one resend loop), and a third failure fails loudly.
 */
function sendFromMemory<R extends { crc64?: bigint; requestId: string }>(
  what: string,
  digest: FilledPart,
  send: () => Promise<R>,
): Promise<R> {
  return sendVerified({
    file: 'standard input',
    what,
    prepare: async () => digest,
    inMemory: () => true,
    send,
    rehash: async () => digest.md5,
  }).then((r) => r.res);
}

async function putSingle(
  client: OssClient,
  opts: UploadStreamOptions,
  data: Buffer,
  digest: FilledPart,
  emit: (e: TransferEvent) => void,
): Promise<UploadResult> {
  const res = await sendFromMemory('', digest, () =>
    client.putObject(opts.bucket, opts.key, bufferBody(data), {
      ...writeOptions(opts),
      contentMd5: digest.md5.toString('base64'),
      trafficLimit: opts.trafficLimit,
      signal: opts.signal,
    }),
  );
  emit({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  const r = result(opts, res.etag, digest.crc64, data.length, 1);
  emit({ type: 'complete', result: r });
  return r;
}

/** At most `size` slots; acquire() waits for one, or fails once the upload has failed or been cancelled. */
class Slots {
  private waiters: Array<() => void> = [];
  constructor(private free: number) {}
  async acquire(signal: AbortSignal): Promise<void> {
    while (this.free === 0) {
      if (signal.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    if (signal.aborted) throw signal.reason;
    this.free--;
  }
  release(): void {
    this.free++;
    this.waiters.shift()?.();
  }
}

class MultipartStream {
  private readonly slots: Slots;
  /** Buffers whose part was confirmed, for the next parts (a failed request's buffer is never reused). */
  private readonly spare: Buffer[] = [];
  private readonly done = new Map<number, DonePart>();
  private readonly inFlight = new Set<Promise<void>>();
  private firstError: unknown;

  constructor(
    private readonly client: OssClient,
    private readonly opts: UploadStreamOptions,
    private readonly reader: StreamReader,
    private readonly plan: ReturnType<typeof planStream>,
    concurrency: number,
    private readonly inner: AbortController,
    private readonly emit: (e: TransferEvent) => void,
  ) {
    this.slots = new Slots(concurrency);
  }

  async run(first: Buffer, head: FilledPart): Promise<UploadResult> {
    const { client, opts } = this;
    const { uploadId } = await client.initiateMultipartUpload(opts.bucket, opts.key, {
      ...writeOptions(opts),
      signal: opts.signal,
    });
    try {
      await this.slots.acquire(this.inner.signal);
      this.send(uploadId, 1, first, head);
      for (let n = 2; ; n++) {
        const size = streamPartSize(this.plan, n);
        await this.slots.acquire(this.inner.signal);
        if (size === undefined) {
          if (await this.reader.atEnd()) {
            this.slots.release();
            break;
          }
          // Found only now, after bytes were sent: a failed transfer (exit 1), not a bad argument.
          throw new OssupError(
            'StreamTooLarge',
            `the stream is larger than ${MAX_PARTS} parts of ${this.plan.base} bytes, the most one object may have; ` +
              'give a larger part size or the expected size',
          );
        }
        const buffer = this.buffer(size);
        const filled = await this.reader.fill(buffer);
        if (filled.size === 0) {
          this.slots.release();
          break;
        }
        this.send(uploadId, n, buffer, filled);
        if (filled.size < size) break;
      }
      await Promise.all([...this.inFlight]);
      if (this.firstError !== undefined) throw this.firstError;
      const parts = [...this.done.values()].sort((a, b) => a.partNumber - b.partNumber);
      let crc = 0n;
      for (const p of parts) crc = crc64Combine(crc, p.crc64, p.size);
      this.emit({ type: 'completing' });
      const res = await client.completeMultipartUpload(
        opts.bucket,
        opts.key,
        uploadId,
        parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
        {
          acl: opts.acl,
          forbidOverwrite: opts.forbidOverwrite,
          signal: opts.signal,
        },
      );
      if (res.crc64 !== undefined && res.crc64 !== crc) {
        throw new IntegrityError(
          'crc64',
          crc64ToDecimal(res.crc64),
          crc64ToDecimal(crc),
          `the completed object's CRC-64 ${crc64ToDecimal(res.crc64)} differs from the stream's ${crc64ToDecimal(crc)} (request ${res.requestId})`,
        );
      }
      const r = result(opts, res.etag, crc, this.reader.total, parts.length, uploadId);
      this.emit({ type: 'complete', result: r });
      return r;
    } catch (err) {
      const cause = this.firstError ?? err;
      this.fail(cause);
      await Promise.allSettled([...this.inFlight]);
      // Nothing can resume a stream: the parts would only cost storage until a lifecycle rule removed them.
      await client.abortMultipartUpload(opts.bucket, opts.key, uploadId).catch(() => undefined);
      throw cause;
    }
  }

  private fail(err: unknown): void {
    if (this.firstError === undefined) this.firstError = err;
    this.inner.abort(err);
  }

  private buffer(size: number): Buffer {
    for (;;) {
      const b = this.spare.pop();
      if (!b) return Buffer.allocUnsafe(size);
      if (b.length === size) return b;
      // Parts grew: smaller buffers are dropped rather than kept beside the larger ones.
    }
  }

  private send(uploadId: string, partNumber: number, buffer: Buffer, digest: FilledPart): void {
    const task = (async () => {
      try {
        const part = await this.uploadPart(uploadId, partNumber, buffer.subarray(0, digest.size), digest);
        this.done.set(partNumber, part);
        this.spare.push(buffer);
        this.emit({ type: 'part', partNumber, partsDone: this.done.size, totalParts: 0 });
      } catch (err) {
        this.fail(err);
      } finally {
        this.slots.release();
      }
    })();
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async uploadPart(uploadId: string, partNumber: number, data: Buffer, digest: FilledPart): Promise<DonePart> {
    const { client, opts } = this;
    const res = await sendFromMemory(`part ${partNumber}: `, digest, () =>
      client.uploadPart(opts.bucket, opts.key, uploadId, partNumber, bufferBody(data), {
        contentMd5: digest.md5.toString('base64'),
        trafficLimit: opts.trafficLimit,
        signal: this.inner.signal,
      }),
    );
    return { partNumber, etag: res.etag, crc64: digest.crc64, size: data.length };
  }
}
