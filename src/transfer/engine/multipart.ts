// What the multipart transfers share: the journal record of a finished part, the CRC-64 check of a server's answer
// (downloads use it too), and walking away from an upload. Browser-safe.
import { crc64ToDecimal } from '../../core/crc64.js';
import { IntegrityError } from '../../core/errors.js';
import type { TransferClient } from './ports.js';

/** One journal record per completed part (uploads and copies). */
export interface PartRecord {
  kind: 'part';
  partNumber: number;
  /** Unquoted upper-case hex. */
  etag: string;
  /** CRC-64 as an unsigned decimal string ('' when a copy's server gave none). */
  crc64: string;
  size: number;
}

/** The record of a part as the server holds it; `crc64` undefined: the server gave none. */
export function partRecord(
  part: { partNumber: number; etag: string; size: number },
  crc64: bigint | undefined,
): PartRecord {
  return {
    kind: 'part',
    partNumber: part.partNumber,
    etag: part.etag,
    crc64: crc64 === undefined ? '' : crc64ToDecimal(crc64),
    size: part.size,
  };
}

/**
 * The one CRC-64 check of uploads, downloads and copies: IntegrityError when the CRC-64 a server reported (`server`,
 * when it sent one) is not the one we know (`ours`, when known). `say` words it from both, as decimal strings.
 */
export function checkCrc(
  server: bigint | undefined,
  ours: bigint | undefined,
  say: (server: string, ours: string) => string,
): void {
  if (server === undefined || ours === undefined || server === ours) return;
  const [s, o] = [crc64ToDecimal(server), crc64ToDecimal(ours)];
  throw new IntegrityError('crc64', s, o, say(s, o));
}

/** Abort an upload we are walking away from; failures only mean some storage lingers until lifecycle rules act. */
export async function abortQuietly(
  client: TransferClient,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  await client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
}
