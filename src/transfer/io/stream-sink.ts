// A Readable as the download's sink (download/sink.ts): the object's bytes handed to a reader, in order, while the
// engine's scheduler fetches up to `concurrency` ranges at once. Each range's socket chunks are kept as they arrived
// (never copied) and handed out chunk by chunk; a range's write() resolves when the reader has taken its last byte,
// so at most `concurrency` ranges are held (fetching, waiting or being handed out), and the next is asked for as
// soon as the reader has taken the first. The stream ends only after the engine's final CRC-64 check passed.
// Measured choices (1 GiB, 64 MiB x4, BENCHMARKS.md issue 14): copying chunks into range buffers, or into shared
// buffers for a hashing thread, cost the event loop more than the CRC-64 it would move; handing out 1 MiB slices
// instead of chunks needs such a copy.
import { Readable } from 'node:stream';
import type { DownloadSink, SinkSession } from '../download/sink.js';
import type { DoneRange } from '../download/types.js';
import type { PlannedPart, SinkWrite } from '../engine/ports.js';

/**
 * Bytes handed out in one turn of the event loop. A reader writing to a file or a pipe writes synchronously (node
 * does for stdout), so handing out a whole waiting range at once (what an earlier version did, in one 64 MiB write)
 * starved every socket meanwhile; after this many bytes the next chunk waits for a turn, and the sockets are read.
 */
const TURN_BYTES = 1024 * 1024;

/** One range's chunks, arrived and not yet handed out. */
interface Held {
  size: number;
  chunks: Array<Uint8Array | undefined>;
  /** Index of the next chunk to hand out. */
  first: number;
  /** Bytes handed to the reader. */
  taken: number;
  onBytes(taken: number): void;
  /** The reader has taken every byte of it (it asked for more after the last chunk). */
  retired: () => void;
}

export class StreamSink implements DownloadSink {
  readonly checkpointFile = '-';
  readonly name = '-';
  readonly restartable = false;
  /** The reader's side. */
  readonly readable: Readable;
  /** Ranges being written, in object order (write() is called as each range is started, in part order). */
  private readonly held: Held[] = [];
  /** The reader asked for more (_read) and has not been given it yet. */
  private wanted = false;
  private scheduled = false;
  /** Bytes handed out since the event loop last had a turn. */
  private burst = 0;
  private ending = false;

  /**
   * `begin` runs the download on the reader's first read (the HEAD is made then, not in _construct: with
   * highWaterMark 0, node never reads a stream whose construction finished after the reader had started waiting).
   * `stop` is told when the reader destroys the stream (stops early): the ranges in flight must end.
   */
  constructor(begin: () => void, stop: (err: Error | null) => void) {
    let begun = false;
    // highWaterMark 0: nothing waits in the Readable's own buffer. _read comes when the reader has taken the last
    // chunk, which is when a range counts as taken, and the final CRC check (and its error) comes after every byte
    // was read.
    this.readable = new Readable({
      highWaterMark: 0,
      read: () => {
        this.wanted = true;
        if (!begun) {
          begun = true;
          begin();
        }
        this.schedule();
      },
      destroy: (err, callback) => {
        stop(err);
        this.held.length = 0;
        callback(err);
      },
    });
  }

  async open(): Promise<SinkSession> {
    return { done: new Map(), unverified: [], resumedBytes: 0 };
  }

  async check(): Promise<{ mismatched: DoneRange[] }> {
    return { mismatched: [] };
  }

  async reserve(): Promise<void> {}

  write(part: PlannedPart, chunks: AsyncIterable<Uint8Array>, opts: SinkWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const range: Held = {
        size: part.size,
        chunks: [],
        first: 0,
        taken: 0,
        onBytes: opts.onBytes,
        retired: resolve,
      };
      this.held.push(range);
      (async () => {
        for await (const chunk of chunks) {
          if (this.readable.destroyed) return;
          range.chunks.push(chunk);
          if (range === this.held[0]) this.schedule();
        }
        if (range === this.held[0]) this.schedule();
      })().catch(reject);
    });
  }

  /** Every byte was read and the CRC-64 matched: end the stream (after the engine's 'complete', a turn later). */
  async commit(): Promise<void> {
    this.ending = true;
    setImmediate(() => this.readable.push(null));
  }

  async close(): Promise<void> {}

  async discard(): Promise<void> {}

  /** downloadStream destroys the Readable with the failure (an abort mapped to AbortedError). */
  async failed(): Promise<void> {}

  release(): void {}

  /**
   * Give the reader its next chunk if one is there: at once, or after a turn of the event loop once TURN_BYTES
   * bytes went out without one (a reader writing synchronously would otherwise starve the sockets).
   */
  private schedule(): void {
    if (this.scheduled || !this.wanted || this.readable.destroyed || this.ending) return;
    const head = this.held[0];
    if (head && head.first === head.chunks.length && head.taken < head.size) {
      this.burst = 0; // waiting for bytes: the next ones come from an I/O callback
      return;
    }
    if (this.burst < TURN_BYTES) {
      this.pump();
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.burst = 0;
      if (this.wanted) this.schedule();
    });
  }

  private pump(): void {
    let head = this.held[0];
    // Its last chunk was handed out, and the reader has asked for more since: it took it.
    while (head && head.taken === head.size) {
      this.held.shift();
      head.retired();
      head = this.held[0];
    }
    if (!head || head.first === head.chunks.length) return; // the next range has nothing yet
    const chunk = head.chunks[head.first]!;
    head.chunks[head.first++] = undefined;
    if (head.first === head.chunks.length) {
      head.chunks.length = 0;
      head.first = 0;
    }
    head.taken += chunk.length;
    head.onBytes(head.taken); // bytes handed to the reader: what a bar shows
    this.burst += chunk.length;
    this.wanted = false;
    this.readable.push(chunk);
  }
}
