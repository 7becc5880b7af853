// A part's record is the file name of its blob: `<partNumber>.<seq>.<size>.<MD5 hex>.<CRC-64 decimal>.<ms>.<tag>`
// under uploads/<id>/blobs/. So one rename commits the bytes and the record together (one directory, one fsync),
// and ListParts is one readdir with no file read. `seq` orders two uploads of one part number (the higher one
// won: it was renamed in later, under the upload's lock); `tag` is the writing process's, so two processes on one
// root never make the same name. Roots written before this format keep `parts/<n>.json` records naming a blob in
// the same directory; they are still read (multipart.ts), and a part committed in the new form replaces them.
import type { PartRecord } from './types.js';

/** A part record read back from its name, with the sequence number that orders rewrites of one part number. */
export interface PartEntry extends PartRecord {
  seq: number;
}

const NAME = /^(\d{1,5})\.(\d{1,15})\.(\d{1,15})\.([0-9A-F]{32})\.(\d{1,20})\.(\d{1,15})\.([0-9a-z]{1,32})$/;

/** The blob name that records `p`; `tag` is [0-9a-z], the writing process's. */
export function partBlobName(p: Omit<PartEntry, 'blob'>, tag: string): string {
  return `${p.partNumber}.${p.seq}.${p.size}.${p.etag}.${p.crc64}.${p.lastModified}.${tag}`;
}

/** The record a blob name carries, or undefined for any other name (legacy blobs, debris). */
export function parsePartBlobName(name: string): PartEntry | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return {
    partNumber: Number(m[1]),
    seq: Number(m[2]),
    size: Number(m[3]),
    etag: m[4]!,
    crc64: m[5]!,
    lastModified: Number(m[6]),
    blob: name,
  };
}

/** Whether `a` replaced `b` (the later commit of one part number); the name breaks a tie deterministically. */
export function supersedes(a: PartEntry, b: PartEntry): boolean {
  return a.seq !== b.seq ? a.seq > b.seq : a.blob > b.blob;
}

/**
 * The current part of each number among `names` (a readdir of the blob directory), plus `legacy` records, which
 * any named part of the same number replaces. Also the highest sequence number seen, so new names sort after.
 */
export function currentParts(
  names: string[],
  legacy: PartRecord[] = [],
): { parts: Map<number, PartEntry>; maxSeq: number } {
  const parts = new Map<number, PartEntry>();
  let maxSeq = 0;
  for (const rec of legacy) parts.set(rec.partNumber, { ...rec, seq: -1 });
  for (const name of names) {
    const p = parsePartBlobName(name);
    if (!p) continue;
    maxSeq = Math.max(maxSeq, p.seq);
    const had = parts.get(p.partNumber);
    if (!had || supersedes(p, had)) parts.set(p.partNumber, p);
  }
  return { parts, maxSeq };
}
