// downloadStream: an object as a Readable, in order, fetched with parallel ranged GETs. Each range is held in memory
// until every range before it has been read out, so at most `concurrency` ranges are held (the next one is asked for
// only when the reader takes one). Every range carries If-Match, so a replaced object fails instead of mixing two
// versions; the ranges' CRC-64s are combined and compared with the object's at the end, after the bytes are out.
import { Readable } from 'node:stream';
import { Crc64, crc64Combine, crc64ToDecimal } from '../../core/crc64.js';
import {
  AbortedError,
  ArgumentError,
  IntegrityError,
  ObjectChangedError,
  ServiceError,
  abortError,
} from '../../core/errors.js';
import { resumableBody, type OssClient } from '../../client/index.js';
import { ProgressTracker } from '../engine/progress.js';
import type { DownloadResult, TransferEvent } from '../types.js';

export interface DownloadStreamOptions {
  bucket: string;
  key: string;
  /** Bytes per ranged GET (default 8 MiB); `concurrency` of them are held in memory at most. */
  partSize?: number;
  /** Ranged GETs in flight (default 4). */
  concurrency?: number;
  /** Bandwidth cap in bits per second (x-oss-traffic-limit). */
  trafficLimit?: number;
  /** Progress listener; `complete` carries the result (`file` is '-') once the CRC-64 has matched. */
  onProgress?: (event: TransferEvent) => void;
  /** Aborting destroys the stream with AbortedError. */
  signal?: AbortSignal;
}

/**
 * The object's bytes, in order. The stream ends only after the whole object's CRC-64 matched the server's; a
 * mismatch destroys it with IntegrityError after the last byte (a reader that acts on bytes as they come has
 * already seen them: only the end of the stream says they were right). A replaced object: ObjectChangedError.
 */
export function downloadStream(client: OssClient, opts: DownloadStreamOptions): Readable {
  const partSize = opts.partSize ?? 8 * 1024 * 1024;
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isSafeInteger(partSize) || partSize < 1)
    throw new ArgumentError('partSize', `partSize must be a positive integer, got ${partSize}`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new ArgumentError('concurrency', `concurrency must be an integer in 1..1000, got ${concurrency}`);
  }
  // highWaterMark 1: the stream asks for the next range only when the reader has taken the previous one.
  return Readable.from(ranges(client, opts, partSize, concurrency), { objectMode: false, highWaterMark: 1 });
}

async function* ranges(
  client: OssClient,
  opts: DownloadStreamOptions,
  partSize: number,
  concurrency: number,
): AsyncGenerator<Buffer> {
  const emit = (e: TransferEvent) => opts.onProgress?.(e);
  const head = await client.headObject(opts.bucket, opts.key, { signal: opts.signal });
  const count = Math.ceil(head.size / partSize);
  const progress = new ProgressTracker(head.size, 0, emit);
  emit({ type: 'start', totalBytes: head.size, resumedBytes: 0, totalParts: count, partsDone: 0 });
  // One controller for the ranges in flight: a failure, an outer abort or a reader that stops early ends them all.
  const inner = new AbortController();
  const onAbort = () => inner.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const window: Array<Promise<{ data: Buffer; crc: bigint }>> = [];
  let next = 0;
  const launch = () => {
    const start = next * partSize;
    const p = fetchRange(
      client,
      opts,
      head.etag,
      head.size,
      start,
      Math.min(partSize, head.size - start),
      inner.signal,
    );
    p.catch(() => undefined); // awaited in order below; a later range failing first must not be unhandled
    window.push(p);
    next++;
  };
  let crc = 0n;
  try {
    while (window.length < concurrency && next < count) launch();
    for (let i = 0; i < count; i++) {
      const got = await window.shift()!;
      crc = crc64Combine(crc, got.crc, got.data.length);
      progress.partDone(i + 1, got.data.length);
      emit({ type: 'part', partNumber: i + 1, partsDone: i + 1, totalParts: count });
      yield got.data;
      if (next < count) launch();
    }
  } catch (err) {
    if (opts.signal?.aborted) throw err instanceof AbortedError ? err : abortError(opts.signal);
    throw err;
  } finally {
    inner.abort();
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (head.crc64 !== undefined && crc !== head.crc64) {
    throw new IntegrityError(
      'crc64',
      crc64ToDecimal(head.crc64),
      crc64ToDecimal(crc),
      `the CRC-64 of the bytes received (${crc64ToDecimal(crc)}) differs from the object's (${crc64ToDecimal(head.crc64)})`,
    );
  }
  progress.finish();
  const result: DownloadResult = {
    bucket: opts.bucket,
    key: opts.key,
    file: '-',
    etag: head.etag,
    crc64: crc64ToDecimal(crc),
    size: head.size,
    parts: count,
    resumedBytes: 0,
    transferredBytes: head.size,
    verified: head.crc64 !== undefined ? 'crc64' : 'length-only',
  };
  emit({ type: 'complete', result });
}

/** One range into memory. A body cut short is continued by the client's resumableBody (Range from the missing byte, If-Match). */
async function fetchRange(
  client: OssClient,
  opts: DownloadStreamOptions,
  etag: string,
  objectSize: number,
  start: number,
  size: number,
  signal: AbortSignal,
): Promise<{ data: Buffer; crc: bigint }> {
  const data = Buffer.allocUnsafe(size);
  const last = start + size - 1;
  const body = resumableBody({
    length: size,
    policy: client.retryPolicy,
    signal,
    label: `bytes ${start}-${last} of oss://${opts.bucket}/${opts.key}`,
    open: (offset, sig) => get(client, opts, etag, objectSize, start + offset, last, sig),
  });
  let have = 0;
  for await (const chunk of body) {
    if (have + chunk.length > size)
      throw new IntegrityError(
        'size',
        String(size),
        String(have + chunk.length),
        `the server sent more than the ${size} bytes asked for`,
      );
    chunk.copy(data, have);
    have += chunk.length;
  }
  return { data, crc: new Crc64().update(data).digest() };
}

/** One ranged GET, checked to be exactly the bytes asked for, of the object version the stream started with. */
async function get(
  client: OssClient,
  opts: DownloadStreamOptions,
  etag: string,
  objectSize: number,
  from: number,
  to: number,
  signal: AbortSignal,
): Promise<Readable> {
  const res = await client
    .getObject(opts.bucket, opts.key, {
      range: { start: from, end: to },
      ifMatch: etag,
      signal,
      headers: {
        'x-oss-range-behavior': 'standard',
        ...(opts.trafficLimit !== undefined ? { 'x-oss-traffic-limit': String(opts.trafficLimit) } : {}),
      },
    })
    .catch((err: unknown) => {
      if (err instanceof ServiceError && err.status === 412) {
        throw new ObjectChangedError(
          opts.bucket,
          opts.key,
          `oss://${opts.bucket}/${opts.key} changed during the download (its ETag is no longer ${etag})`,
          { cause: err },
        );
      }
      throw err;
    });
  const expected = `bytes ${from}-${to}/${objectSize}`;
  const range = res.contentRange?.trim().replace(/\s+/g, ' ').toLowerCase();
  if (res.status !== 206 || range !== expected) {
    res.body.destroy();
    throw new IntegrityError(
      'size',
      expected,
      `${res.status} ${res.contentRange ?? '(no Content-Range)'}`,
      `asked oss://${opts.bucket}/${opts.key} for ${expected} but the server answered ${res.status} ${res.contentRange ?? ''}`,
    );
  }
  return res.body;
}
