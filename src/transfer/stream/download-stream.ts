// downloadStream: an object as a Readable, in order, fetched with parallel ranged GETs. Each range's socket chunks
// are CRC-64'd as they arrive and kept as they are (never copied); the first range not yet taken by the reader is
// handed out chunk by chunk while it arrives, the others wait in memory. At most `concurrency` ranges are held
// (fetching, waiting or being handed out); the next is asked for as soon as the reader has taken the first. Every
// range carries If-Match, so a replaced object fails instead of mixing two versions; the ranges' CRC-64s are
// combined and compared with the object's at the end, after the bytes are out. Measured choices (1 GiB, 64 MiB x4,
// BENCHMARKS.md issue 14): copying chunks into range buffers, or into shared buffers for a hashing thread, cost the
// event loop more than the CRC-64 it would move; handing out 1 MiB slices instead of chunks needs such a copy.
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
 * Bytes handed out in one turn of the event loop. A reader writing to a file or a pipe writes synchronously (node
 * does for stdout), so handing out a whole waiting range at once (what an earlier version did, in one 64 MiB write)
 * starved every socket meanwhile; after this many bytes the next chunk waits for a turn, and the sockets are read.
 */
const TURN_BYTES = 1024 * 1024;

/**
 * The object's bytes, in order. The stream ends only after the whole object's CRC-64 matched the server's; a
 * mismatch destroys it with IntegrityError after the last byte (a reader that acts on bytes as they come has
 * already seen them: only the end of the stream says they were right). A replaced object: ObjectChangedError.
 * The chunks are the client's socket buffers, as they arrived: a reader entirely done with some (written, not kept)
 * may give them back with `releaseBodyChunks`, so their memory takes later reads instead of waiting for the GC.
 */
export function downloadStream(client: OssClient, opts: DownloadStreamOptions): Readable {
  const partSize = opts.partSize ?? 8 * 1024 * 1024;
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isSafeInteger(partSize) || partSize < 1)
    throw new ArgumentError('partSize', `partSize must be a positive integer, got ${partSize}`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new ArgumentError('concurrency', `concurrency must be an integer in 1..1000, got ${concurrency}`);
  }
  return new RangeStream(client, opts, partSize, concurrency);
}

interface ObjectVersion {
  etag: string;
  size: number;
  crc64?: bigint;
}

/**
 * One ranged GET's bytes, as the socket chunks they arrived in: handed to the reader as they are, never copied into
 * a range-sized buffer (copying 1 GiB into fresh 64 MiB buffers, page faults included, cost the event loop more than
 * the CRC-64 did).
 */
interface Range {
  number: number;
  start: number;
  size: number;
  /** Chunks arrived and not yet handed out, from `first`. */
  chunks: Array<Buffer | undefined>;
  first: number;
  /** Bytes arrived so far. */
  received: number;
  /** Bytes handed to the reader. */
  taken: number;
  crc: Crc64;
}

class RangeStream extends Readable {
  private object: ObjectVersion | undefined;
  private count = 0;
  /** Index of the next range to ask for. */
  private next = 0;
  /** Ranges asked for and not yet fully taken by the reader, in object order. */
  private readonly held: Range[] = [];
  /** The reader asked for more (_read) and has not been given it yet. */
  private wanted = false;
  private scheduled = false;
  /** Bytes handed out since the event loop last had a turn. */
  private burst = 0;
  private beginning = false;
  /** CRC-64 of the ranges taken, in order. */
  private crc = 0n;
  private progress: ProgressTracker | undefined;
  /** Ends the ranges in flight: a failure, an outer abort or a reader that stops early. */
  private readonly inner = new AbortController();
  private readonly onAbort = () => {
    const err = abortError(this.opts.signal!);
    this.inner.abort(err); // at once: the HEAD may be under way
    this.destroy(err);
  };

  constructor(
    private readonly client: OssClient,
    private readonly opts: DownloadStreamOptions,
    private readonly partSize: number,
    private readonly concurrency: number,
  ) {
    // highWaterMark 0: nothing waits in the Readable's own buffer. _read comes when the reader has taken the last
    // chunk, which is when a range counts as taken, and the final CRC check (and its error) comes after every byte
    // was read.
    super({ highWaterMark: 0 });
  }

  // The HEAD is made on the first read rather than in _construct: with highWaterMark 0, node never reads a stream
  // whose construction finished after the reader had started waiting.
  override _read(): void {
    this.wanted = true;
    if (this.object) {
      this.schedule();
      return;
    }
    if (this.beginning) return;
    this.beginning = true;
    this.begin().then(
      () => this.schedule(),
      (err: unknown) => this.destroy(this.mapError(err)),
    );
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.inner.abort(err ?? undefined);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.held.length = 0;
    callback(err);
  }

  private report(e: TransferEvent): void {
    this.opts.onProgress?.(e);
  }

  private async begin(): Promise<void> {
    const { opts } = this;
    if (opts.signal?.aborted) throw abortError(opts.signal);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    const head = await this.client.headObject(opts.bucket, opts.key, { signal: this.inner.signal });
    this.object = { etag: head.etag, size: head.size, crc64: head.crc64 };
    this.count = Math.ceil(head.size / this.partSize);
    this.progress = new ProgressTracker(head.size, 0, (e) => this.report(e));
    this.report({ type: 'start', totalBytes: head.size, resumedBytes: 0, totalParts: this.count, partsDone: 0 });
    while (this.held.length < this.concurrency && this.next < this.count) this.launch();
  }

  /**
   * Give the reader its next chunk if one is there: at once, or after a turn of the event loop once TURN_BYTES
   * bytes went out without one (a reader writing synchronously would otherwise starve the sockets).
   */
  private schedule(): void {
    if (this.scheduled || !this.wanted || this.destroyed) return;
    const head = this.held[0];
    if (head && head.first === head.chunks.length && head.taken < head.size) {
      this.burst = 0; // waiting for bytes: the next ones come from an I/O callback
      return;
    }
    if (this.burst < TURN_BYTES) {
      this.pump();
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.burst = 0;
      if (this.wanted) this.schedule();
    });
  }

  private pump(): void {
    let head = this.held[0];
    // Its last chunk was handed out, and the reader has asked for more since: it took it.
    if (head && head.taken === head.size) {
      this.retire(head);
      head = this.held[0];
    }
    if (!head) {
      this.wanted = false;
      this.end();
      return;
    }
    if (head.first === head.chunks.length) return; // the new head has nothing yet
    const chunk = head.chunks[head.first]!;
    head.chunks[head.first++] = undefined;
    if (head.first === head.chunks.length) {
      head.chunks.length = 0;
      head.first = 0;
    }
    head.taken += chunk.length;
    this.progress!.partBytes(head.number, head.taken); // bytes handed to the reader: what a bar shows
    this.burst += chunk.length;
    this.wanted = false;
    this.push(chunk);
  }

  /** The first held range was fully taken by the reader: count it, drop it, ask for the next. */
  private retire(range: Range): void {
    this.held.shift();
    this.crc = crc64Combine(this.crc, range.crc.digest(), range.size);
    this.progress!.partDone(range.number, range.size);
    this.report({ type: 'part', partNumber: range.number, partsDone: range.number, totalParts: this.count });
    if (this.next < this.count) this.launch();
  }

  /** Every byte has been read: the CRC-64 decides between the end of the stream and an error. */
  private end(): void {
    const { crc } = this;
    const object = this.object!;
    if (object.crc64 !== undefined && crc !== object.crc64) {
      this.destroy(
        new IntegrityError(
          'crc64',
          crc64ToDecimal(object.crc64),
          crc64ToDecimal(crc),
          `the CRC-64 of the bytes received (${crc64ToDecimal(crc)}) differs from the object's (${crc64ToDecimal(object.crc64)})`,
        ),
      );
      return;
    }
    this.progress!.finish();
    const result: DownloadResult = {
      bucket: this.opts.bucket,
      key: this.opts.key,
      file: '-',
      etag: object.etag,
      crc64: crc64ToDecimal(crc),
      size: object.size,
      parts: this.count,
      resumedBytes: 0,
      transferredBytes: object.size,
      verified: object.crc64 !== undefined ? 'crc64' : 'length-only',
    };
    this.report({ type: 'complete', result });
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.push(null);
  }

  private launch(): void {
    const object = this.object!;
    const index = this.next++;
    const start = index * this.partSize;
    const size = Math.min(this.partSize, object.size - start);
    const range: Range = {
      number: index + 1,
      start,
      size,
      chunks: [],
      first: 0,
      received: 0,
      taken: 0,
      crc: new Crc64(),
    };
    this.held.push(range);
    this.fetch(range).catch((err: unknown) => this.destroy(this.mapError(err)));
  }

  /** One range's chunks, CRC-ed as they come. A body cut short is continued by the client's resumableBody (Range from the missing byte, If-Match). */
  private async fetch(range: Range): Promise<void> {
    const { client, opts } = this;
    const object = this.object!;
    const { size } = range;
    const last = range.start + size - 1;
    const body = resumableBody({
      length: size,
      policy: client.retryPolicy,
      signal: this.inner.signal,
      label: `bytes ${range.start}-${last} of oss://${opts.bucket}/${opts.key}`,
      open: (offset, sig) => get(client, opts, object.etag, object.size, range.start + offset, last, sig),
    });
    for await (const chunk of body) {
      if (range.received + chunk.length > size)
        throw new IntegrityError(
          'size',
          String(size),
          String(range.received + chunk.length),
          `the server sent more than the ${size} bytes asked for`,
        );
      if (this.destroyed) return;
      range.crc.update(chunk);
      range.received += chunk.length;
      range.chunks.push(chunk);
      if (range === this.held[0]) this.schedule();
    }
  }

  private mapError(err: unknown): Error {
    const signal = this.opts.signal;
    if (signal?.aborted) return err instanceof AbortedError ? err : abortError(signal);
    return err as Error;
  }
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
