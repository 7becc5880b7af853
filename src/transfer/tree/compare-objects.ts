// Whether an object must be copied to another prefix: the rules of `compare`, with both sides on the server. Nothing
// is read: sizes come from the listings, CRC-64 and mtime from one HEAD of each side.
import { crc64ToDecimal } from '../../core/crc64.js';
import { type CompareContext, MTIME_WINDOW_MS, remoteMtimeMs, type Verdict } from './compare.js';
import type { RemoteEntry } from './listing.js';

export async function compareObjects(
  src: RemoteEntry,
  dst: RemoteEntry | undefined,
  ctx: CompareContext & { sourceBucket: string },
): Promise<Verdict> {
  if (!dst) return { send: true, reason: 'new' };
  if (src.size !== dst.size) return { send: true, reason: 'size differs' };
  const [sourceHead, head] = await Promise.all([
    ctx.client.headObject(ctx.sourceBucket, src.key, { signal: ctx.signal }),
    ctx.client.headObject(ctx.bucket, dst.key, { signal: ctx.signal }),
  ]);
  const seen = { head, sourceHead };
  if (head.size !== sourceHead.size) return { send: true, reason: 'size differs', ...seen };
  if (ctx.mode === 'sync' && !ctx.checksum) {
    const same = Math.abs(remoteMtimeMs(sourceHead, src) - remoteMtimeMs(head, dst)) <= MTIME_WINDOW_MS;
    return same
      ? { send: false, reason: 'same size and mtime', ...seen }
      : { send: true, reason: 'mtime differs', ...seen };
  }
  if (head.crc64 === undefined || sourceHead.crc64 === undefined)
    return { send: true, reason: 'no CRC-64 to compare', ...seen };
  const localCrc = crc64ToDecimal(sourceHead.crc64);
  if (head.crc64 !== sourceHead.crc64) return { send: true, reason: 'CRC-64 differs', localCrc, ...seen };
  return { send: false, reason: 'same size and CRC-64', localCrc, ...seen };
}
