// Reading a request body with deadlines on progress: a client that stops sending mid-body would otherwise hold its
// socket and temp file for good, and one that drip-feeds (a byte a second) would hold them for hours; enough of
// either exhaust the connection slots (--max-connections) and the descriptors.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** The body made no progress for the configured time; answered as 400 RequestTimeout. */
export class BodyTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no body bytes for ${ms} ms`);
  }
}

/** The body arrived slower than the minimum rate over a whole window; answered as 400 RequestTimeout. */
export class BodyTooSlowError extends BodyTimeoutError {
  constructor(
    ms: number,
    readonly received: number,
    readonly minRate: number,
  ) {
    super(ms);
    this.message = `${received} body bytes in ${ms} ms, under the minimum of ${minRate} bytes/s`;
  }
}

export interface BodyLimits {
  /** No chunk for this long fails with BodyTimeoutError. */
  idleMs: number;
  /**
   * Bytes per second the body must average over each window of `idleMs` spent waiting for it (0: no minimum):
   * every window must bring minRate * idleMs / 1000 bytes, so a body is first judged after one window. The same
   * idea as Apache mod_reqtimeout's MinRate.
   */
  minRate: number;
}

/**
 * The chunks of `src`, failing with BodyTimeoutError when none arrives for `idleMs`, or BodyTooSlowError when a
 * window of `idleMs` spent waiting brought fewer than its share of `minRate` (checked as each chunk arrives, so a
 * drip-feeder is cut off within two windows). Only time spent waiting for the client counts: time the consumer
 * spends on a chunk (a disk write, the server's own backpressure) does not. The source is left open, so the error
 * can still be answered.
 */
export async function* limitedBody(src: Readable, limits: BodyLimits): AsyncGenerator<Buffer> {
  const { idleMs, minRate } = limits;
  const need = (minRate * idleMs) / 1000;
  // One deadline promise per chunk: a single long-lived one raced against every chunk would keep each race's
  // reaction (and through it the chunk) alive until the body ended: a 256 MiB body held in memory.
  let fire: ((err: Error) => void) | undefined;
  const timer = setTimeout(() => fire?.(new BodyTimeoutError(idleMs)), idleMs);
  const chunks = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let windowWaited = 0;
  let windowBytes = 0;
  try {
    for (;;) {
      const deadline = new Promise<never>((_, reject) => (fire = reject));
      timer.refresh();
      const started = need > 0 ? performance.now() : 0;
      const next = await Promise.race([chunks.next(), deadline]);
      fire = undefined;
      if (next.done) return;
      if (need > 0) {
        windowWaited += performance.now() - started;
        windowBytes += next.value.length;
        if (windowWaited >= idleMs) {
          if (windowBytes < need) throw new BodyTooSlowError(Math.round(windowWaited), windowBytes, minRate);
          windowWaited = 0;
          windowBytes = 0;
        }
      }
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** How long a refused request's remaining body is read and discarded before its connection is cut. */
export const LINGER_MS = 2000;

/**
 * For an answer sent before the body was read to its end (the connection then closes): closing a socket with
 * unread bytes makes the kernel send a reset, which can destroy the answer before the client reads it. So the rest
 * is read and thrown away, for at most `ms`, after the answer and the FIN (a lingering close, as nginx does).
 */
export function lingerAfterRefusal(raw: IncomingMessage, ms = LINGER_MS): void {
  const socket = raw.socket;
  if (!socket || socket.destroyed) return;
  // Node's server calls destroySoon() once a Connection: close answer is written; end() sends the FIN instead.
  socket.destroySoon = () => {
    socket.end();
  };
  socket.once('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), ms).unref();
  raw.resume();
}
