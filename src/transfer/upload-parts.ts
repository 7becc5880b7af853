// Sending parts over the shared worker pool (pool.ts). Each part is hashed first (MD5 for Content-MD5,
// CRC-64 to check the server's), then sent from memory (small parts) or re-streamed from the file (large ones).
// The first failure stops scheduling and ends in-flight requests; per-upload state only, so nothing here can
// touch another upload on the same client.
import { crc64ToDecimal } from '../core/crc64.js';
import { AbortedError, FileChangedError, IntegrityError, ServiceError } from '../core/errors.js';
import { bufferBody, fileRange } from '../client/body.js';
import type { OssClient } from '../client/client.js';
import { hashFileRange } from './hash.js';
import type { PlannedPart } from './plan.js';
import { runPool } from './pool.js';
import type { ProgressTracker } from './progress.js';
import type { DonePart } from './upload-session.js';

/** A part whose CRC-64 disagrees with the server's is resent this many times before failing loudly. */
const INTEGRITY_ATTEMPTS = 3;

export interface PartsInput {
  client: OssClient;
  bucket: string;
  key: string;
  uploadId: string;
  file: string;
  parts: PlannedPart[];
  concurrency: number;
  trafficLimit?: number;
  progress: ProgressTracker;
  /** Called once per finished part, in completion order; awaited before the part counts as done. */
  onPartDone: (part: DonePart) => Promise<void>;
  signal?: AbortSignal;
}

export async function uploadParts(input: PartsInput): Promise<void> {
  await runPool(input.parts, input.concurrency, input.signal, (part, signal) => uploadOnePart(input, part, signal), input.onPartDone);
}

async function uploadOnePart(input: PartsInput, part: PlannedPart, signal: AbortSignal): Promise<DonePart> {
  for (let attempt = 1; ; attempt++) {
    const digest = await hashFileRange(input.file, part.start, part.size, { signal }).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'ESHORTFILE') throw new FileChangedError(input.file, `${input.file} shrank during the upload`, { cause: err });
      throw err;
    });
    const body = digest.data ? bufferBody(digest.data) : fileRange(input.file, part.start, part.size);
    let res;
    try {
      res = await input.client.uploadPart(input.bucket, input.key, input.uploadId, part.number, body, {
        contentMd5: digest.md5.toString('base64'),
        trafficLimit: input.trafficLimit,
        signal,
        onProgress: (sent) => input.progress.partBytes(part.number, sent),
      });
    } catch (err) {
      // The server saw bytes whose MD5 differs from what we just hashed: the file changed between the two reads.
      if (err instanceof ServiceError && err.code === 'InvalidDigest') {
        throw new FileChangedError(input.file, `${input.file} changed while part ${part.number} was being sent`, { cause: err });
      }
      if (signal.aborted && !(err instanceof AbortedError)) throw new AbortedError('the upload was aborted', { cause: err });
      throw err;
    }
    if (res.crc64 === undefined || res.crc64 === digest.crc64) {
      input.progress.partDone(part.number, part.size);
      return { partNumber: part.number, etag: res.etag, crc64: digest.crc64, size: part.size };
    }
    if (attempt >= INTEGRITY_ATTEMPTS) {
      throw new IntegrityError('crc64', crc64ToDecimal(res.crc64), crc64ToDecimal(digest.crc64),
        `part ${part.number}: the server's CRC-64 ${crc64ToDecimal(res.crc64)} differs from the local ${crc64ToDecimal(digest.crc64)} ` +
        `after ${attempt} attempts (request ${res.requestId})`);
    }
  }
}
