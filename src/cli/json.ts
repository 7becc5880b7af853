import type { DownloadResult, UploadResult } from '../transfer/index.js';

/**
 * The `--json` result of `ossup cp`: the last line on stdout. These names are a contract for scripts (README,
 * "JSON output"); add fields only with care, never rename or drop one.
 */
export interface TransferJson {
  op: 'upload' | 'download' | 'copy';
  bucket: string;
  key: string;
  file: string;
  size: number;
  etag: string;
  /** Decimal string: a CRC-64 does not fit in a JSON number without losing bits. */
  crc64: string;
  parts: number;
  resumedBytes: number;
  transferredBytes: number;
  seconds: number;
  /** Only with --callback-url: what the callback server answered (its body, as text). */
  callbackBody?: string;
  /** Only with --range: the inclusive byte range fetched (clamped to the object's end). */
  rangeStart?: number;
  rangeEnd?: number;
  /**
   * Only with --range: 'crc64' when the range covers the whole object and its CRC-64 matched the object's;
   * 'length-only' for a part of an object (OSS keeps no CRC-64 for a part; `crc64` is then the local bytes').
   */
  verified?: 'crc64' | 'length-only';
}

export const TRANSFER_JSON_FIELDS = [
  'op',
  'bucket',
  'key',
  'file',
  'size',
  'etag',
  'crc64',
  'parts',
  'resumedBytes',
  'transferredBytes',
  'seconds',
] as const;

/** Exactly the contract's fields (the optional ones only when they apply), whatever else the engine's result carries. */
export function transferJson(op: TransferJson['op'], r: UploadResult | DownloadResult, seconds: number): TransferJson {
  return {
    op,
    bucket: r.bucket,
    key: r.key,
    file: r.file,
    size: r.size,
    etag: r.etag,
    crc64: String(r.crc64),
    parts: r.parts,
    resumedBytes: r.resumedBytes,
    transferredBytes: r.transferredBytes,
    seconds: Math.round(seconds * 1000) / 1000,
    ...('callbackBody' in r && r.callbackBody !== undefined ? { callbackBody: r.callbackBody } : {}),
    ...('range' in r && r.range ? { rangeStart: r.range.start, rangeEnd: r.range.end, verified: r.verified } : {}),
  };
}

/** One JSON document per line: nothing a line-oriented reader could split. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
