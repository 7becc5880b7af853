// Where the lean client's socket reads land (connection.ts hands these regions to `onread`). A consumer that says
// when it is done with its body chunks (releaseBodyChunks: a download, once a batch is written) lets their slab be
// reused for later reads, which keeps a long download from churning through fresh buffers for the GC to find
// (peak memory of a 1 GiB download at 64 MiB x8 went from 159 to 124 MB with 1 MiB slabs reused); chunks never
// released are simply left to the GC, like any buffer.
//
// Two sizes. A connection reads into its own slab, so the memory reads walk through is connections x slab: 64 MiB
// for a tree's 64 small-file GETs with 1 MiB slabs, past the caches, and the socket copy and the CRC-64 over it ran
// from cold memory (a 2,000 x 64 KiB download at --jobs 64 spent 0.2-0.3 CPU-s more in the kernel than at --jobs 16;
// DESIGN.md, "Socket reads land in slabs of two sizes"). So a connection reads into small slabs, and into large ones
// while its responses have at least a large slab's worth of body (connection.ts): a 1 GiB download made 1,388 reads
// into 1 MiB slabs against 4,434 into 256 KiB ones.

/** Socket reads of a large body go into slabs of this size; a slab with less than MIN_READ left is replaced. */
export const SLAB = 1024 * 1024;
const MIN_READ = 128 * 1024;
/** Every other read (small bodies, answers to uploads) goes into slabs of this size, replaced below SMALL_MIN_READ. */
export const SMALL_SLAB = 256 * 1024;
const SMALL_MIN_READ = 64 * 1024;
const KEEP_FREE_SLABS = 32;
const KEEP_FREE_SMALL_SLABS = 64;

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
const freeSmallSlabs: Slab[] = [];
const made = { large: 0, small: 0 };

/** Slabs allocated so far in this process, by size (for tests and tracing: reuse shows as none made). */
export function slabsMade(): { large: number; small: number } {
  return { ...made };
}
const slabOf = new WeakMap<ArrayBufferLike, Slab>();
/** Chunks handed out and not yet released (so a chunk is released once, and foreign chunks are ignored). */
const handedOut = new WeakSet<Uint8Array>();

/** A slab to read into: large for a large body's reads, else small; the one freed last first (warm in the caches). */
export function takeSlab(large = false): Slab {
  const reused = (large ? freeSlabs : freeSmallSlabs).pop();
  if (reused) return reused;
  const slab: Slab = { buf: Buffer.allocUnsafeSlow(large ? SLAB : SMALL_SLAB), used: 0, out: 0, retired: false };
  slabOf.set(slab.buf.buffer, slab);
  made[large ? 'large' : 'small']++;
  return slab;
}

function retire(slab: Slab): void {
  slab.retired = true;
  if (slab.out > 0) return;
  const [free, keep] =
    slab.buf.length === SLAB ? [freeSlabs, KEEP_FREE_SLABS] : [freeSmallSlabs, KEEP_FREE_SMALL_SLABS];
  if (free.length < keep) {
    slab.used = 0;
    slab.retired = false;
    free.push(slab);
  }
}

/**
 * The region the next read fills: the rest of `slab`, or a new slab once little is left or once the connection's
 * responses change size (`large`: they have large bodies). A slab given up early costs nothing: it is reused as soon
 * as its chunks are released.
 */
export function nextRegion(slab: Slab, large = false): { slab: Slab; region: Buffer } {
  const isLarge = slab.buf.length === SLAB;
  if (isLarge === large && slab.buf.length - slab.used >= (large ? MIN_READ : SMALL_MIN_READ))
    return { slab, region: slab.buf.subarray(slab.used) };
  retire(slab);
  const fresh = takeSlab(large);
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
