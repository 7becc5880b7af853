// The one ranged GET of every download (file or stream): `Range` with `If-Match` on the ETag the download started
// from, so a replaced object fails (ObjectChanged) instead of mixing two versions, and the answer checked to be
// exactly the bytes asked for. A body cut short is continued from the byte it stopped at by the client's
// resumableBody (one retry policy for headers and bodies, reset when a range makes progress). The chunks are
// counted and CRC-64'd as they pass, on the event loop while still in cache (measured: cheaper than reading a
// finished range back on a hashing thread; download/batch-writer.ts), so what is checked is what arrived. A sink
// with a receiver (the file sink) gets each chunk pushed from the socket as it is parsed (`fetchRange`), without
// the Readable and the two async generators of the iterable path (rangeChunks), which stays for the other sinks.
import type { Readable } from 'node:stream';
import type { Crc64 } from '../../core/crc64.js';
import { HEADERS } from '../../core/dialect.js';
import { IntegrityError, ObjectChangedError, ServiceError, abortError } from '../../core/errors.js';
import type { PartSink, PlannedPart, RangeResponse, SinkWrite, TransferClient } from '../engine/ports.js';
import { deliverResumable, resumableBody } from '../io/client-bodies.js';

/** The object version a download reads, and how. */
export interface RangeTarget {
  client: TransferClient;
  bucket: string;
  key: string;
  /** The ETag and size HEAD gave when the download began. */
  etag: string;
  size: number;
  /** Object offset of part offset 0 (a download of a range). */
  base: number;
  versionId?: string;
  trafficLimit?: number;
}

/** One ranged GET of bytes `from`..`to` (inclusive), checked to be exactly those bytes of the version begun with. */
export async function getRange(t: RangeTarget, from: number, to: number, signal: AbortSignal): Promise<RangeResponse> {
  let res: RangeResponse;
  try {
    res = await t.client.getObject(t.bucket, t.key, {
      range: { start: from, end: to },
      ifMatch: t.etag,
      versionId: t.versionId,
      signal,
      headers: {
        // Without it OSS answers an unsatisfiable range with the whole object (200); we want the error.
        [HEADERS.rangeBehavior]: 'standard',
        ...(t.trafficLimit !== undefined ? { [HEADERS.trafficLimit]: String(t.trafficLimit) } : {}),
      },
    });
  } catch (err) {
    if (err instanceof ServiceError && (err.code === 'PreconditionFailed' || err.status === 412)) {
      throw new ObjectChangedError(
        t.bucket,
        t.key,
        `oss://${t.bucket}/${t.key} changed during the download (its ETag is no longer ${t.etag})`,
        { cause: err },
      );
    }
    throw err;
  }
  if (res.etag && res.etag !== t.etag) {
    res.body.destroy();
    throw new ObjectChangedError(
      t.bucket,
      t.key,
      `oss://${t.bucket}/${t.key} changed during the download (ETag ${t.etag} -> ${res.etag})`,
    );
  }
  const expected = `bytes ${from}-${to}/${t.size}`;
  const whole = res.status === 200 && from === 0 && to === t.size - 1 && res.size === t.size;
  if (!whole && (res.status !== 206 || normalizeRange(res.contentRange) !== expected)) {
    res.body.destroy();
    const got = `${res.status} ${res.contentRange ?? '(no Content-Range)'}`;
    throw new IntegrityError(
      'size',
      expected,
      got,
      `asked oss://${t.bucket}/${t.key} for ${expected} but the server answered ${got}`,
    );
  }
  return res;
}

function normalizeRange(v: string | undefined): string | undefined {
  return v?.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Fetch part `part` into `sink`, CRC-64'd into `crc`: pushed into the sink's receiver when it has one (each chunk
 * straight from the socket when the client's body can deliver it, else read from the body's iterator), or through
 * `sink.write` with rangeChunks. Either way resumed after transport failures and checked to be exactly `part.size`.
 */
export async function fetchRange(
  sink: PartSink,
  t: RangeTarget,
  part: PlannedPart,
  crc: Crc64,
  opts: SinkWrite,
): Promise<void> {
  const receiver = sink.receiver?.(part, opts);
  if (!receiver) return sink.write(part, rangeChunks(t, part, crc, opts.signal), opts);
  const { first, last, label } = bounds(t, part);
  let received = 0;
  try {
    await deliverResumable(
      {
        length: part.size,
        policy: t.client.retryPolicy,
        signal: opts.signal,
        label,
        open: async (offset, sig) => (await getRange(t, first + offset, last, sig)).body,
      },
      (chunk) => {
        if (received + chunk.length > part.size) throw tooLong(t, part, received + chunk.length);
        received += chunk.length;
        crc.update(chunk);
        return receiver.push(chunk);
      },
    );
    if (received !== part.size) throw cutShort(t, part, received);
  } catch (err) {
    await receiver.abandon();
    throw err;
  }
  await receiver.finish();
}

function bounds(t: RangeTarget, part: PlannedPart): { first: number; last: number; label: string } {
  const first = t.base + part.start;
  const last = first + part.size - 1;
  return { first, last, label: `bytes ${first}-${last} of oss://${t.bucket}/${t.key}` };
}

function tooLong(t: RangeTarget, part: PlannedPart, got: number): IntegrityError {
  const msg = `range ${part.number} of oss://${t.bucket}/${t.key}: the server sent more than the ${part.size} bytes asked for`;
  return new IntegrityError('size', String(part.size), String(got), msg);
}

function cutShort(t: RangeTarget, part: PlannedPart, got: number): IntegrityError {
  const msg = `range ${part.number} of oss://${t.bucket}/${t.key}: the body ended after ${got} of ${part.size} bytes`;
  return new IntegrityError('size', String(part.size), String(got), msg);
}

/**
 * Part `part`'s bytes as they arrive, resumed after transport failures, CRC-64'd into `crc` and checked to be
 * exactly `part.size` bytes. Nothing is requested until the first chunk is asked for.
 */
export async function* rangeChunks(
  t: RangeTarget,
  part: PlannedPart,
  crc: Crc64,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { first, last, label } = bounds(t, part);
  const body = resumableBody({
    length: part.size,
    policy: t.client.retryPolicy,
    signal,
    label,
    // The Node client's bodies are Readables (resumableBody's input); a TransferClient's are any chunk iterable.
    open: async (offset, sig) => (await getRange(t, first + offset, last, sig)).body as Readable,
  });
  let received = 0;
  for await (const chunk of body) {
    if (signal.aborted) throw abortError(signal);
    if (received + chunk.length > part.size) throw tooLong(t, part, received + chunk.length);
    received += chunk.length;
    crc.update(chunk);
    yield chunk;
  }
  if (received !== part.size) throw cutShort(t, part, received);
}
