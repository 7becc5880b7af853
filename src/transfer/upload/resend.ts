// The integrity resend loop, once for the single PutObject and for every part: send the bytes with their Content-MD5,
// resend when the server received other bytes (InvalidDigest) or stored a different CRC-64, and tell bytes damaged on
// the way from a file that changed under us. Transport retries are the client's; this loop is about the bytes.
import { crc64ToDecimal } from '../../core/crc64.js';
import { FileChangedError, IntegrityError, ServiceError } from '../../core/errors.js';
import { bytesToBase64, sameBytes } from '../engine/bytes.js';

/** A body the server received damaged (Content-MD5 or CRC-64 mismatch) is sent this many times before failing loudly. */
export const INTEGRITY_ATTEMPTS = 3;

/** What was hashed before sending. */
export interface Digest {
  md5: Uint8Array;
  crc64: bigint;
}

export interface ResendInput<D extends Digest, R extends { crc64?: bigint; requestId: string }> {
  /** The source (a local file), for FileChangedError. */
  file: string;
  /** Prefix of messages naming the unit ('part 3: '), '' for a whole object. */
  what: string;
  /** Sends allowed when the server's CRC-64 differs from ours (default INTEGRITY_ATTEMPTS). */
  crcAttempts?: number;
  /** Read and hash the bytes for attempt `attempt` (from 1); every attempt after the first re-reads the file. */
  prepare(attempt: number): Promise<D>;
  /** Whether `digest`'s bytes are held in memory (else they are streamed from the file when sent). */
  inMemory(digest: D): boolean;
  /** Send them. */
  send(digest: D): Promise<R>;
  /** The file's MD5 now, to tell a changed file from damage on the way when the bytes were streamed from it. */
  rehash(): Promise<Uint8Array>;
  /** After a response, before its CRC-64 is compared (e.g. give a buffer back, check the file is unchanged). */
  received?(digest: D): void | Promise<void>;
}

export async function sendVerified<D extends Digest, R extends { crc64?: bigint; requestId: string }>(
  input: ResendInput<D, R>,
): Promise<{ digest: D; res: R }> {
  const crcAttempts = input.crcAttempts ?? INTEGRITY_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const digest = await input.prepare(attempt);
    let res: R;
    try {
      res = await input.send(digest);
    } catch (err) {
      if (!(err instanceof ServiceError && err.code === 'InvalidDigest')) throw err;
      // The server received bytes whose MD5 is not the one we sent. From memory, they were damaged on the way; from
      // the file, the file may have changed since it was hashed: hash it again to tell which.
      if (!input.inMemory(digest) && !sameBytes(await input.rehash(), digest.md5)) {
        throw new FileChangedError(
          input.file,
          `${input.file} changed while ${input.what ? input.what.replace(/: $/, '') : 'it'} was being sent`,
          { cause: err },
        );
      }
      if (attempt < INTEGRITY_ATTEMPTS) continue;
      throw new IntegrityError(
        'md5',
        bytesToBase64(digest.md5),
        'InvalidDigest',
        `${input.what}the server received bytes other than those sent (Content-MD5 mismatch) ${attempt} times (request ${err.requestId})`,
        { cause: err },
      );
    }
    await input.received?.(digest);
    if (res.crc64 === undefined || res.crc64 === digest.crc64) return { digest, res };
    if (attempt >= crcAttempts) {
      throw new IntegrityError(
        'crc64',
        crc64ToDecimal(res.crc64),
        crc64ToDecimal(digest.crc64),
        `${input.what}the server's CRC-64 ${crc64ToDecimal(res.crc64)} differs from the local ${crc64ToDecimal(digest.crc64)} ` +
          `after ${attempt} attempt${attempt === 1 ? '' : 's'} (request ${res.requestId})`,
      );
    }
  }
}
