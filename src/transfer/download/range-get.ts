// The one ranged GET of every download (file or stream): `Range` with `If-Match` on the ETag the download started
// from, so a replaced object fails (ObjectChanged) instead of mixing two versions, and the answer checked to be
// exactly the bytes asked for. A body cut short is continued from the byte it stopped at by the client's
// resumableBody (one retry policy for headers and bodies, reset when a range makes progress). The chunks are
// counted and CRC-64'd as they pass, on the event loop while still in cache (measured: cheaper than reading a
// finished range back on a hashing thread; download/batch-writer.ts), so what is checked is what arrived.
import type { Readable } from 'node:stream';
import type { Crc64 } from '../../core/crc64.js';
import { HEADERS } from '../../core/dialect.js';
import { IntegrityError, ObjectChangedError, ServiceError, abortError } from '../../core/errors.js';
import type { PlannedPart, RangeResponse, TransferClient } from '../engine/ports.js';
import { resumableBody } from '../io/client-bodies.js';

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
 * Part `part`'s bytes as they arrive, resumed after transport failures, CRC-64'd into `crc` and checked to be
 * exactly `part.size` bytes. Nothing is requested until the first chunk is asked for.
 */
export async function* rangeChunks(
  t: RangeTarget,
  part: PlannedPart,
  crc: Crc64,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  const first = t.base + part.start;
  const last = first + part.size - 1;
  const body = resumableBody({
    length: part.size,
    policy: t.client.retryPolicy,
    signal,
    label: `bytes ${first}-${last} of oss://${t.bucket}/${t.key}`,
    // The Node client's bodies are Readables (resumableBody's input); a TransferClient's are any chunk iterable.
    open: async (offset, sig) => (await getRange(t, first + offset, last, sig)).body as Readable,
  });
  let received = 0;
  for await (const chunk of body) {
    if (signal.aborted) throw abortError(signal);
    if (received + chunk.length > part.size) {
      throw new IntegrityError(
        'size',
        String(part.size),
        String(received + chunk.length),
        `range ${part.number} of oss://${t.bucket}/${t.key}: the server sent more than the ${part.size} bytes asked for`,
      );
    }
    received += chunk.length;
    crc.update(chunk);
    yield chunk;
  }
  if (received !== part.size) {
    throw new IntegrityError(
      'size',
      String(part.size),
      String(received),
      `range ${part.number} of oss://${t.bucket}/${t.key}: the body ended after ${received} of ${part.size} bytes`,
    );
  }
}
