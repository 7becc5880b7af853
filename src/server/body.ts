// Reading a request body with a deadline on progress: a client that stops sending mid-body (or sends a byte every
// 20 s) would otherwise hold its socket and temp file for good, and enough of them exhaust the descriptors.
import type { Readable } from 'node:stream';

/** The body made no progress for the configured time; answered as 400 RequestTimeout. */
export class BodyTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no body bytes for ${ms} ms`);
  }
}

/**
 * The chunks of `src`, failing with BodyTimeoutError when none arrives for `ms` (time the consumer spends on a
 * chunk, such as a disk write, does not count). The source is left open, so the error can still be answered.
 */
export async function* idleLimited(src: Readable, ms: number): AsyncGenerator<Buffer> {
  // One deadline promise per chunk: a single long-lived one raced against every chunk would keep each race's
  // reaction (and through it the chunk) alive until the body ended: a 256 MiB body held in memory.
  let fire: ((err: Error) => void) | undefined;
  const timer = setTimeout(() => fire?.(new BodyTimeoutError(ms)), ms);
  const chunks = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      const deadline = new Promise<never>((_, reject) => (fire = reject));
      timer.refresh();
      const next = await Promise.race([chunks.next(), deadline]);
      fire = undefined;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
  }
}
