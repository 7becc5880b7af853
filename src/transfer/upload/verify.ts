// Checking resumed parts against the local file, in the background. A resume adopts the parts the server lists
// (session.ts) and starts sending the missing ones at once; meanwhile the hashing threads re-read every adopted
// part and compare it with the CRC-64 the server lists for it (CRC only: MD5 would add ~60% for no extra safety,
// the server's CRC-64 already covers the bytes it holds), or with its ETag (MD5) where no CRC-64 is known.
// Complete waits for the outcome, so a file rewritten with the same size and mtime is still caught before it:
// a part whose bytes differ is sent again from the file as it is now. At most IN_FLIGHT ranges are queued on the
// hashing threads at once, so the parts being sent are hashed between them rather than after all of them. A few
// parts (up to HERE_BYTES, typically those the journal missed in a late resume, killed between a part's response
// and its record) are checked on this thread instead: the native CRC-64 of 8 MiB takes about a millisecond, and
// starting a thread for them cost the rerun ~0.06-0.1 s it spent waiting at Complete (issue 27).
import { bytesToHex } from '../engine/bytes.js';
import type { PartSource } from '../engine/ports.js';
import type { UnverifiedPart } from './types.js';

/** Ranges queued at a time: one each for the pool's thread and one burst thread (hash/pool.ts), few enough to interleave. */
const IN_FLIGHT = 2;
/** At most this many bytes to check: on the calling thread (a few milliseconds of CRC-64), not the hashing threads. */
export const HERE_BYTES = 64 * 1024 * 1024;

export interface VerifiedParts {
  /** Parts whose local bytes match the server's: with their CRC-64 (read from the file). */
  verified: Array<{ part: UnverifiedPart; crc64: bigint }>;
  /** Parts whose local bytes differ from what the server holds: to be sent again. */
  mismatched: UnverifiedPart[];
}

/** Re-read and check `parts` of `source` (on the hashing threads). Rejects on a read error or when the file is too short (FileChangedError). */
export async function verifyResumedParts(
  source: PartSource,
  parts: UnverifiedPart[],
  signal: AbortSignal,
): Promise<VerifiedParts> {
  const out: VerifiedParts = { verified: [], mismatched: [] };
  let next = 0;
  const background = parts.reduce((sum, p) => sum + p.size, 0) > HERE_BYTES;
  const lane = async () => {
    while (next < parts.length) {
      const part = parts[next++]!;
      const digest = await source.read(
        { number: part.partNumber, start: part.start, size: part.size },
        { crcOnly: part.crc64 !== undefined, signal, background, discard: true },
      );
      const same = part.crc64 !== undefined ? digest.crc64 === part.crc64 : bytesToHex(digest.md5) === part.etag;
      if (same) out.verified.push({ part, crc64: digest.crc64 });
      else out.mismatched.push(part);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, parts.length) }, lane));
  out.verified.sort((a, b) => a.part.partNumber - b.part.partNumber);
  out.mismatched.sort((a, b) => a.partNumber - b.partNumber);
  return out;
}
