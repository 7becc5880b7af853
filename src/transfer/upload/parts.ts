// Sending one part over the shared scheduler (engine/part-pool.ts): its bytes come from the PartSource (read and
// hashed one part ahead by the scheduler for a replayable source, read now in part order for a stream), go up with
// Content-MD5, and pass the resend loop (resend.ts) that checks the server's CRC-64. Per-upload state only, so
// nothing here can touch another upload on the same client. Browser-safe.
import { AbortedError } from '../../core/errors.js';
import { bytesToBase64 } from '../engine/bytes.js';
import type { PartBytes, PartSource, PlannedPart, TransferClient } from '../engine/ports.js';
import type { ProgressTracker } from '../engine/progress.js';
import { sendVerified } from './resend.js';
import type { DonePart } from './types.js';

export interface PartSend {
  client: TransferClient;
  bucket: string;
  key: string;
  uploadId: string;
  source: PartSource;
  trafficLimit?: number;
  progress: ProgressTracker;
}

/**
 * Send `part`; `first` is its bytes when they were read ahead. Resolves with the part as the server holds it, or
 * undefined when a stream had no byte left for it (it ended exactly at the previous part's end).
 */
export async function sendPart(
  input: PartSend,
  part: PlannedPart,
  signal: AbortSignal,
  first: Promise<PartBytes> | undefined,
): Promise<DonePart | undefined> {
  const { source } = input;
  const read = () => source.read(part, { signal });
  const firstBytes = await (first ?? read());
  if (firstBytes.size === 0 && part.number > 1) return undefined;
  const { digest, res } = await sendVerified({
    file: source.name,
    what: `part ${part.number}: `,
    // Every attempt after the first re-reads a replayable source: the bytes sent must be the file's bytes now. A
    // stream's bytes are in memory, hashed as they were read: a mismatch there can only be damage on the way.
    prepare: async (attempt) => (attempt === 1 || !source.replayable ? firstBytes : read()),
    inMemory: (d) => d.data !== undefined,
    send: async (d) => {
      try {
        return await input.client.uploadPart(input.bucket, input.key, input.uploadId, part.number, d.body, {
          contentMd5: bytesToBase64(d.md5),
          trafficLimit: input.trafficLimit,
          signal,
          onProgress: (sent) => input.progress.partBytes(part.number, sent),
        });
      } catch (err) {
        if (signal.aborted && !(err instanceof AbortedError))
          throw new AbortedError('the upload was aborted', { cause: err });
        throw err;
      }
    },
    rehash: async () => (await source.read(part, { signal, discard: true })).md5,
    // The response means every byte was taken off a file part's buffer: it can carry the next part. A stream's
    // bytes may be sent again (they cannot be re-read): its buffer is given back only once the part is confirmed.
    received: (d) => (source.replayable ? d.release?.() : undefined),
  });
  if (!source.replayable) digest.release?.();
  input.progress.partDone(part.number, digest.size);
  return { partNumber: part.number, etag: res.etag, crc64: digest.crc64, size: digest.size };
}
