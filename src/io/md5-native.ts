// The multi-buffer MD5 of the native addon (native/md5.c, built with the CRC-64 kernel; DESIGN.md "Multi-buffer
// MD5 on the server's hashing thread"): several streams' MD5 side by side (2-4 interleaved in general registers,
// or 8 in AVX2's lanes). Only the server's hashing thread uses it; without the addon, or with OSSUP_MD5=crypto,
// that thread hashes each stream with node:crypto.
import { nativeAddon } from './crc64-native.js';

/** What native/md5.c exports. */
export interface NativeMd5 {
  /** Makes `ctx` (an 8-aligned Uint8Array of MD5_CTX_BYTES, see md5Context) a fresh MD5 context. */
  md5Init(ctx: Uint8Array): void;
  /**
   * Advances each context over its data (the two arrays pair up; at most 64; no context twice). Streams' whole blocks
   * run side by side (native/md5.c); `lanes` (1, 4 or 8) caps the width, for tests.
   */
  md5Update(ctxs: Uint8Array[], datas: Uint8Array[], lanes?: number): void;
  /** The 16-byte digest; the context is spent. */
  md5Final(ctx: Uint8Array): Buffer;
  /** Streams hashed side by side at most: 8 with AVX2, else 4 (interleaved scalar kernels, any CPU). */
  md5Lanes: number;
}

export const MD5_CTX_BYTES = 96;
/** Streams one md5Update call takes at most. */
export const MD5_MAX_STREAMS = 64;

let loaded: NativeMd5 | null | undefined;

/** A fresh context (its own ArrayBuffer, so aligned). */
export function md5Context(md5: NativeMd5): Uint8Array {
  const ctx = new Uint8Array(MD5_CTX_BYTES);
  md5.md5Init(ctx);
  return ctx;
}

/** MD5("abc"): a wrongly built addon is not used. */
const CHECK = '900150983cd24fb0d6963f7d28e17f72';

/** The multi-buffer MD5, or undefined where the addon is not built, predates it, or OSSUP_MD5=crypto. */
export function nativeMd5(): NativeMd5 | undefined {
  if (loaded === undefined) {
    loaded = null;
    const found = process.env.OSSUP_MD5 !== 'crypto' ? (nativeAddon() as Partial<NativeMd5> | undefined) : undefined;
    if (typeof found?.md5Update === 'function') {
      const md5 = found as NativeMd5;
      const ctx = md5Context(md5);
      md5.md5Update([ctx], [new TextEncoder().encode('abc')]);
      if (md5.md5Final(ctx).toString('hex') === CHECK) loaded = md5;
    }
  }
  return loaded ?? undefined;
}
