// Shared setup for the download tests: the upload tests' server/client/bucket fixture, plus objects to download and
// helpers to look at what a download left on disk.
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TransferEvent } from '../../../src/transfer/index.js';
import { bytes, setup, type Env } from '../fixtures.js';

export { KiB, PART, bytes, clientThrough, pauseAfter, proxyFor, setup, type Env } from '../fixtures.js';

/** Store `data` as `key` (one PutObject) and return it. */
export async function putBytes(env: Env, key: string, data: Buffer): Promise<Buffer> {
  await env.client.putObject(env.bucket, key, data);
  return data;
}

/** A fresh environment with one object of `size` pseudo-random bytes under `key`. */
export async function withObject(
  t: Parameters<typeof setup>[0],
  key: string,
  size: number,
  seed = 1,
): Promise<{ env: Env; data: Buffer }> {
  const env = await setup(t);
  const data = await putBytes(env, key, bytes(size, seed));
  return { env, data };
}

/** Names in `dir` other than the ones given. */
export async function leftovers(dir: string, ...expected: string[]): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !expected.includes(n)).sort();
}

/** The temporary files a download left beside `dest`. */
export async function tempsOf(dest: string): Promise<string[]> {
  const base = path.basename(dest);
  return (await readdir(path.dirname(dest)))
    .filter((n) => n.startsWith(`${base}.ossup-`) && n.endsWith('.tmp'))
    .map((n) => path.join(path.dirname(dest), n));
}

/** Collects events; `progress` is the list of bytesDone values. */
export function recorder(): {
  events: TransferEvent[];
  onProgress: (e: TransferEvent) => void;
  progress: () => number[];
} {
  const events: TransferEvent[] = [];
  return {
    events,
    onProgress: (e: TransferEvent) => {
      events.push(e);
    },
    progress: () => events.filter((e) => e.type === 'progress').map((e) => (e as { bytesDone: number }).bytesDone),
  };
}

/** Overwrite `n` bytes at `at` with `fill`, or flip one byte when no fill is given. */
export async function scribble(file: string, at: number, n = 1, fill?: number): Promise<void> {
  const h = await open(file, 'r+');
  try {
    const b = Buffer.alloc(n);
    await h.read(b, 0, n, at);
    if (fill === undefined) b[0]! ^= 0xff;
    else b.fill(fill);
    await h.write(b, 0, n, at);
  } finally {
    await h.close();
  }
}
