// A whole-client bandwidth cap (the CLI's --bwlimit): one pacer shared by every request of the client, so all the
// parts and files of a run together stay under the rate. Request bodies are paced as they are handed to the socket,
// response bodies as they are read; x-oss-traffic-limit is the server's own cap per request, this is the client's.
import { Readable } from 'node:stream';
import { Pacer } from '../core/pacer.js';
import type { BodySource } from './body.js';
import { abortableSleep } from './retry.js';

/** The whole-client pacer: a quarter second's burst, waits that end early when the request is aborted. */
export function bandwidthPacer(bytesPerSecond: number): Pacer {
  return new Pacer(bytesPerSecond, { sleep: abortableSleep });
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
