// Both sides of a tree are read as sorted streams and walked side by side (a merge join), so neither the local walk
// nor the listing is ever held in memory whole. The order is OSS's: keys by their UTF-8 bytes.
import { OssupError } from '../../core/errors.js';
import { compareUtf8 } from '../../core/key-order.js';

export { compareUtf8 };

/** A source entry, the destination entry of the same relative path, or both. */
export interface Paired<S, D> {
  rel: string;
  src?: S;
  dst?: D;
}

/**
 * Pairs two streams sorted by `rel`. A stream out of order would pair wrong entries (and `--delete` would then
 * remove files that exist on both sides), so order is checked, not assumed: here, as each entry is read (a checking
 * generator around each stream cost two more promise hops per pair; issue 27).
 */
export async function* mergeSorted<S extends { rel: string }, D extends { rel: string }>(
  src: AsyncIterable<S>,
  dst: AsyncIterable<D>,
): AsyncGenerator<Paired<S, D>> {
  const si = inOrder(src[Symbol.asyncIterator](), 'source');
  const di = inOrder(dst[Symbol.asyncIterator](), 'destination');
  let s = await si.next();
  let d = await di.next();
  while (!s.done || !d.done) {
    const c = s.done ? 1 : d.done ? -1 : compareUtf8(s.value.rel, d.value.rel);
    if (c === 0) {
      yield { rel: s.value!.rel, src: s.value, dst: d.value };
      [s, d] = await Promise.all([si.next(), di.next()]);
    } else if (c < 0) {
      yield { rel: s.value!.rel, src: s.value };
      s = await si.next();
    } else {
      yield { rel: d.value!.rel, dst: d.value };
      d = await di.next();
    }
  }
}

/** `it`, with each entry checked to come after the one before it. */
function inOrder<T extends { rel: string }>(
  it: AsyncIterator<T>,
  side: string,
): { next(): Promise<IteratorResult<T>> } {
  let last: string | undefined;
  const check = (r: IteratorResult<T>): IteratorResult<T> => {
    if (r.done) return r;
    const rel = r.value.rel;
    if (last !== undefined && compareUtf8(last, rel) >= 0) {
      throw new OssupError(
        'OutOfOrder',
        `the ${side} listing is not in UTF-8 key order (${JSON.stringify(rel)} after ${JSON.stringify(last)}); nothing more was compared`,
      );
    }
    last = rel;
    return r;
  };
  return { next: () => it.next().then(check) };
}
