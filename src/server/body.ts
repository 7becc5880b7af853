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

/** Chunks taken from the socket and not yet consumed, past which the source is paused (backpressure). */
const QUEUED_MAX = 16;

/**
 * The chunks of `src`, failing with BodyTimeoutError when none arrives for `idleMs`, or BodyTooSlowError when a
 * window of `idleMs` spent waiting brought fewer than its share of `minRate` (checked as each chunk arrives, so a
 * drip-feeder is cut off within two windows). Only time spent waiting for the client counts: time the consumer
 * spends on a chunk (a disk write, the server's own backpressure) does not. The source is left open, so the error
 * can still be answered.
 *
 * Each chunk is the one node:http pushed (its own memory, never concatenated with the next: a paused stream's
 * read() would copy the chunks waiting into one, and the hashing thread is handed chunks it can own), taken from
 * 'data' events with the source paused while QUEUED_MAX of them wait, and awaited only when none is queued.
 */
export async function* limitedBody(src: Readable, limits: BodyLimits): AsyncGenerator<Buffer> {
  const { idleMs, minRate } = limits;
  const need = (minRate * idleMs) / 1000;
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  // One waiter at a time: the generator waits only when the queue is empty.
  let wake: (() => void) | undefined;
  let fire: ((err: Error) => void) | undefined;
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= QUEUED_MAX) src.pause();
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (err: Error) => {
    failure ??= err;
    wake?.();
  };
  const onClose = () => {
    if (!ended) failure ??= Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    wake?.();
  };
  const timer = setTimeout(() => fire?.(new BodyTimeoutError(idleMs)), idleMs);
  let windowWaited = 0;
  let windowBytes = 0;
  src.on('data', onData);
  src.on('end', onEnd);
  src.on('error', onError);
  src.on('close', onClose);
  try {
    if (src.readableEnded) ended = true;
    for (;;) {
      const chunk = queue.shift();
      if (chunk === undefined) {
        if (failure) throw failure;
        if (ended) return;
        if (src.destroyed) onClose();
        else {
          src.resume();
          const started = need > 0 ? performance.now() : 0;
          timer.refresh();
          await new Promise<void>((resolve, reject) => {
            wake = resolve;
            fire = reject;
          });
          wake = undefined;
          fire = undefined;
          if (need > 0) windowWaited += performance.now() - started;
        }
        continue;
      }
      if (queue.length < QUEUED_MAX >> 1 && src.isPaused() && !src.destroyed && !ended) src.resume();
      if (need > 0) {
        windowBytes += chunk.length;
        if (windowWaited >= idleMs) {
          if (windowBytes < need) throw new BodyTooSlowError(Math.round(windowWaited), windowBytes, minRate);
          windowWaited = 0;
          windowBytes = 0;
        }
      }
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
    src.off('data', onData);
    src.off('end', onEnd);
    src.off('error', onError);
    src.off('close', onClose);
    // Chunks taken and not consumed are dropped: a body not read to its end is refused, and its connection then
    // drains or closes (lingerAfterRefusal resumes the source).
    src.pause();
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
