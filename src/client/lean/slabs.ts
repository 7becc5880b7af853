// Where the lean client's socket reads land (connection.ts hands these regions to `onread`). A consumer that says
// when it is done with its body chunks (releaseBodyChunks: a download, once a batch is written) lets their slab be
// reused for later reads, which keeps a long download from churning through fresh buffers for the GC to find
// (peak memory of a 1 GiB download at 64 MiB x8 went from 159 to 124 MB with 1 MiB slabs reused); chunks never
// released are simply left to the GC, like any buffer.

/** Socket reads go into slabs of this size; a slab with less than MIN_READ left is replaced. */
export const SLAB = 1024 * 1024;
const MIN_READ = 128 * 1024;
const KEEP_FREE_SLABS = 32;

export interface Slab {
  buf: Buffer;
  /** Bytes read into it so far. */
  used: number;
  /** Body chunks handed out and not yet released. */
  out: number;
  /** No further reads go into it. */
  retired: boolean;
}

const freeSlabs: Slab[] = [];
const slabOf = new WeakMap<ArrayBufferLike, Slab>();
/** Chunks handed out and not yet released (so a chunk is released once, and foreign chunks are ignored). */
const handedOut = new WeakSet<Uint8Array>();

export function takeSlab(): Slab {
  const reused = freeSlabs.pop();
  if (reused) return reused;
  const slab: Slab = { buf: Buffer.allocUnsafeSlow(SLAB), used: 0, out: 0, retired: false };
  slabOf.set(slab.buf.buffer, slab);
  return slab;
}

function retire(slab: Slab): void {
  slab.retired = true;
  if (slab.out === 0 && freeSlabs.length < KEEP_FREE_SLABS) {
    slab.used = 0;
    slab.retired = false;
    freeSlabs.push(slab);
  }
}

/** The region the next read fills: the rest of `slab`, or a new slab once little is left. */
export function nextRegion(slab: Slab): { slab: Slab; region: Buffer } {
  if (SLAB - slab.used >= MIN_READ) return { slab, region: slab.buf.subarray(slab.used) };
  retire(slab);
  const fresh = takeSlab();
  return { slab: fresh, region: fresh.buf };
}

/** A body chunk of `slab` goes to a reader; it counts until released. */
export function handOut(slab: Slab, chunk: Buffer): Buffer {
  slab.out++;
  handedOut.add(chunk);
  return chunk;
}

/**
 * Body chunks (from a response of the lean client) the caller is entirely done with: nothing reads them any more.
 * Their memory may then hold later responses. Other chunks, and repeats, are ignored.
 */
export function releaseBodyChunks(chunks: readonly Uint8Array[]): void {
  for (const c of chunks) {
    if (!handedOut.delete(c)) continue;
    const slab = slabOf.get(c.buffer);
    if (!slab) continue;
    slab.out--;
    if (slab.out === 0 && slab.retired) retire(slab);
  }
}
