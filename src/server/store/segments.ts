// Reading an object's bytes, which may be spread over many blobs (a completed multipart upload keeps its parts as
// segments), and removing blobs without pulling them from under a reader.
//
// A reader cannot hold 10,000 file descriptors up front, so it opens each segment only when the stream reaches
// it. What keeps a later segment alive meanwhile is the in-process registry below: a reader registers every blob
// of the record it read, and removing a registered blob is deferred until its last reader lets go. After a crash
// nothing is pending in memory; the deferred unlinks are blobs no record names, which the orphan sweep collects.
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { unlinkQuiet } from './fsutil.js';
import type { ObjectRecord, Segment } from './types.js';

/** The object's bytes as segments, whichever form the record has (see ObjectRecord). */
export function segmentsOf(rec: Pick<ObjectRecord, 'blob' | 'segments' | 'size'>): Segment[] {
  if (rec.segments) return rec.segments;
  return rec.blob === undefined ? [] : [{ blob: rec.blob, size: rec.size }];
}

/** The record fields naming the bytes: one segment is stored as `blob`, so such records stay in the old format. */
export function bytesFields(segments: Segment[]): Pick<ObjectRecord, 'blob' | 'segments'> {
  return segments.length === 1 ? { blob: segments[0]!.blob } : { segments };
}

/** Same bytes named? (true for a record compared with itself after a metadata-only update) */
export function sameBytes(a: ObjectRecord, b: ObjectRecord): boolean {
  const x = segmentsOf(a);
  const y = segmentsOf(b);
  return x.length === y.length && x.every((s, i) => s.blob === y[i]!.blob);
}

/** Blob paths in use by readers; a removal of one of them waits for the last reader. */
export class BlobRefs {
  private readers = new Map<string, { count: number; doomed: boolean }>();

  acquire(paths: readonly string[]): void {
    for (const p of paths) {
      const e = this.readers.get(p);
      if (e) e.count++;
      else this.readers.set(p, { count: 1, doomed: false });
    }
  }

  release(paths: readonly string[]): void {
    for (const p of paths) {
      const e = this.readers.get(p);
      if (!e || --e.count > 0) continue;
      this.readers.delete(p);
      if (e.doomed) void unlinkQuiet(p);
    }
  }

  /** Unlinks now, or when the last reader of `path` releases it. */
  async remove(path: string): Promise<void> {
    const e = this.readers.get(path);
    if (e) e.doomed = true;
    else await unlinkQuiet(path);
  }

  /** Paths currently held by a reader (tests). */
  get held(): number {
    return this.readers.size;
  }
}

/**
 * The bytes of one record, registered with BlobRefs until `close()` (or the end of `read()`'s iteration).
 * `first` is the first segment, opened while the record was current, so a single-blob object is readable
 * even if another process on the same root replaces it.
 */
export class ObjectReader {
  private closed = false;

  constructor(
    readonly rec: ObjectRecord,
    private readonly paths: string[],
    private first: FileHandle | undefined,
    private readonly refs: BlobRefs,
  ) {}

  /** Bytes `start`..`end` (inclusive), crossing segment boundaries; closes the reader when done or abandoned. */
  async *read(start: number, end: number): AsyncGenerator<Buffer> {
    try {
      const segs = segmentsOf(this.rec);
      let base = 0;
      for (let i = 0; i < segs.length && base <= end; base += segs[i]!.size, i++) {
        const size = segs[i]!.size;
        if (size === 0 || base + size <= start) continue;
        const fh = i === 0 && this.first ? this.takeFirst() : await open(this.paths[i]!, 'r');
        const stream = createReadStream('', { fd: fh, start: Math.max(start, base) - base, end: Math.min(end, base + size - 1) - base, autoClose: true });
        for await (const chunk of stream) yield chunk as Buffer;
      }
    } finally {
      await this.close();
    }
  }

  /** Releases the blobs (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const fh = this.first;
    this.first = undefined;
    await fh?.close().catch(() => undefined);
    this.refs.release(this.paths);
  }

  private takeFirst(): FileHandle {
    const fh = this.first!;
    this.first = undefined;
    return fh;
  }
}
