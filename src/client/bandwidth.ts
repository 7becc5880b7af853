// A whole-client bandwidth cap (the CLI's --bwlimit): one pacer shared by every request of the client, so all the
// parts and files of a run together stay under the rate. Request bodies are paced as they are handed to the socket,
// response bodies as they are read; x-oss-traffic-limit is the server's own cap per request, this is the client's.
import { Readable } from 'node:stream';
import type { BodySource } from './body.js';
import { abortableSleep } from './retry.js';

/** Bytes a quiet pacer lets through at once: a quarter second's worth. */
const BURST_SECONDS = 0.25;

export class Pacer {
  /** When the bytes reserved so far will have gone at the rate (ms on the pacer's clock). */
  private nextFree = 0;

  constructor(
    /** Bytes per second, over all requests together. */
    readonly bytesPerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = abortableSleep,
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be above 0, got ${bytesPerSecond}`);
  }

  /**
   * Waits until `bytes` more may pass (a token bucket holding BURST_SECONDS of the rate); callers are served in the
   * order they asked. A chunk waits until the bucket holds all of its bytes, not only until the chunk before it
   * has gone: bodies come in chunks of up to 1 MiB, and the looser rule let a run send about one chunk per request
   * more than the rate allows.
   */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const burstMs = BURST_SECONDS * 1000;
    this.nextFree = Math.max(this.nextFree, now - burstMs) + (bytes / this.bytesPerSecond) * 1000;
    const wait = this.nextFree - now;
    if (wait > 0) await this.sleep(wait, signal);
  }
}

async function* paced(chunks: AsyncIterable<Uint8Array>, pacer: Pacer, signal?: AbortSignal) {
  for await (const chunk of chunks) {
    await pacer.take(chunk.length, signal);
    yield chunk;
  }
}

/** The same body, each attempt's bytes paced. */
export function pacedBody(body: BodySource, pacer: Pacer, signal?: AbortSignal): BodySource {
  return {
    size: body.size,
    path: body.path,
    open: () => {
      const opened = body.open();
      const chunks = opened instanceof Uint8Array ? [opened] : (opened as AsyncIterable<Uint8Array>);
      return Readable.from(paced(toAsync(chunks), pacer, signal), { objectMode: false });
    },
  };
}

async function* toAsync(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** A response body read no faster than the pacer allows; destroying it destroys the original. */
export function pacedStream(stream: Readable, pacer: Pacer, signal?: AbortSignal): Readable {
  const out = Readable.from(paced(stream, pacer, signal), { objectMode: false });
  out.once('close', () => stream.destroy());
  return out;
}
