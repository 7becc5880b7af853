// The native CRC-64 kernel (native/crc64.c, DESIGN.md "CRC-64: an optional native kernel"): built at install when a
// compiler is there (scripts/build-native.mjs), offered to core/crc64.ts by Node's entry points (the library index,
// the CLI, the hashing threads, the server's hashing thread) and loaded the first time an input needs a kernel.
// Without it, or with OSSUP_CRC64=wasm, the WebAssembly kernel does the same job. The browser bundle never imports
// this file.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Crc64Kernel, installCrc64Kernel } from '../core/crc64.js';

/** What native/crc64.c exports. */
export interface NativeCrc64 {
  /** Advances the inverted register over `data` (offset and length within it optional), in place. */
  update(reg: bigint, data: Uint8Array, offset?: number, length?: number): bigint;
  /** The same with the portable loop whatever the CPU has (for tests). */
  updatePortable(reg: bigint, data: Uint8Array, offset?: number, length?: number): bigint;
  /** The loop update() uses here: 'pclmul' or 'portable'. */
  kernel: string;
}

/**
 * Where node-gyp leaves the addon (build/Release under the package root), relative to this module: two levels up
 * from a chunk of the CLI bundle (dist/cli/) or from src/io/ run by tsx, three from the library's dist/src/io/.
 */
const CANDIDATES = ['../../build/Release/ossup_crc64.node', '../../../build/Release/ossup_crc64.node'];
/** CRC-64/XZ of "123456789", inverted as the register holds it: a wrongly built addon is not used. */
const CHECK_INPUT = new TextEncoder().encode('123456789');
const CHECK_REGISTER = ~0x995dc9bbdf1939fan & 0xffffffffffffffffn;

let addon: Record<string, unknown> | null | undefined;
let loaded: NativeCrc64 | null | undefined;

/** The addon's exports as they load (it also carries the multi-buffer MD5, io/md5-native.ts); tried once per thread. */
export function nativeAddon(): Record<string, unknown> | undefined {
  if (addon === undefined) {
    addon = null;
    const require = createRequire(import.meta.url);
    for (const path of CANDIDATES) {
      try {
        addon = require(fileURLToPath(new URL(path, import.meta.url))) as Record<string, unknown>;
        break;
      } catch {
        // Not there (or not loadable here): the next place, then the WebAssembly kernel.
      }
    }
  }
  return addon ?? undefined;
}

/**
 * Keeps up to `bytes` of freed memory at the top of the C heap instead of handing it back to the system (glibc's
 * M_TRIM_THRESHOLD; native/crc64.c `keep_freed`). Process-wide: only `ossup serve`'s own process calls it
 * (cli/v8-flags.ts). false where the addon or glibc is missing.
 */
export function keepFreedMemory(bytes: number): boolean {
  const keep = nativeAddon()?.keepFreed;
  return typeof keep === 'function' ? (keep as (n: number) => boolean)(bytes) : false;
}

/** The addon, or undefined where it was not built, does not load, or OSSUP_CRC64=wasm; tried once per thread. */
export function nativeCrc64(): NativeCrc64 | undefined {
  if (loaded === undefined) {
    loaded = null;
    const found = process.env.OSSUP_CRC64 !== 'wasm' ? (nativeAddon() as NativeCrc64 | undefined) : undefined;
    if (found && found.update(0xffffffffffffffffn, CHECK_INPUT) === CHECK_REGISTER) loaded = found;
  }
  return loaded ?? undefined;
}

function nativeKernel(): Crc64Kernel | undefined {
  return nativeCrc64()?.update;
}

/** Offers the native kernel to core/crc64.ts (loaded only when an input first needs a kernel). */
export function offerNativeCrc64(): void {
  installCrc64Kernel(nativeKernel);
}
