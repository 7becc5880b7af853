/**
 * The CRC-64/XZ hot loop as a tiny hand-assembled WebAssembly module (slicing-by-16 over native i64; the module is
 * built in crc64-wasm-module.ts).
 *
 * Why WebAssembly: slicing in plain JS has to split the 64-bit register into two int32 halves and peaked at
 * 0.8-1.1 GB/s here (by-8 and by-16 alike); with native i64 loads and xors, by-8 ran at ~1.6 GB/s and by-16
 * at ~1.9 GB/s, so only by-16 is kept. A piece of 4 KiB or more is hashed as several lanes in one loop, each lane
 * from a fresh register but the first, and their CRCs joined with crc64Combine: one lane's step waits on its own
 * chain of lookups, several chains keep the CPU busier (two lanes: ~15% more bytes per CPU-second than one; about 4
 * instructions per byte remain, which bounds a table kernel in wasm). Tried for issue 27 and not kept (1 GiB in
 * 1 MiB chunks, CPU time, 2 vCPUs under load): four lanes (0.62-0.68 CPU-s/GiB against 0.60-0.68 for two: the
 * lookups, not the chains, are the limit) and hashing without the copy into the staging area (within noise, so
 * views of the kernel's memory as receive buffers would save nothing measurable).
 *
 * Memory layout: sixteen lookup tables of 256 little-endian u64 at [0, TABLE_BYTES), then a staging area that
 * input is copied into, STAGE_BYTES at a time. A speed change is measured by `npm run bench` (its `crc` extra)
 * or a loop over crc64() timed with process.cpuUsage(), not in tests.
 */
import { LANES, moduleBytes, SLICES, TABLE_BYTES } from './crc64-wasm-module.js';

/** Bytes hashed per call; 256 KiB keeps the staging copy in L2 cache. */
const STAGE_BYTES = 256 * 1024;
const PAGE = 65536;

/** The slice of the WebAssembly JS API we use; the project's lib settings (no DOM) do not declare it. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface Kernel {
  update(reg: bigint, ptr: number, len: number): bigint;
  mem: { buffer: ArrayBuffer };
}

/** lanes<N>(reg0, ptr0, ..., reg{N-1}, ptr{N-1}, len) -> [reg0, ..., reg{N-1}]. */
type LanesFn = (...args: Array<bigint | number>) => bigint[];

const MASK64 = 0xffffffffffffffffn;
/** Below this many bytes a piece goes through one lane: combining two costs more than it saves. */
const TWO_LANES_MIN = 4096;

/** Fills the byte table (256 entries, each as [lo, hi] int32 words) for the reflected polynomial. */
export function fillByteTable(words: Int32Array, polyHi: number, polyLo: number): void {
  for (let i = 0; i < 256; i++) {
    let hi = 0;
    let lo = i;
    for (let bit = 0; bit < 8; bit++) {
      const lsb = lo & 1;
      lo = (lo >>> 1) | ((hi & 1) << 31);
      hi >>>= 1;
      if (lsb) {
        hi ^= polyHi;
        lo ^= polyLo;
      }
    }
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
  }
}

/** Fills the sixteen slicing tables for the reflected polynomial into `mem` as little-endian u64. */
function writeTables(words: Int32Array, polyHi: number, polyLo: number): void {
  fillByteTable(words, polyHi, polyLo);
  // Table k = table k-1 advanced by one more zero byte.
  for (let k = 1; k < SLICES; k++) {
    for (let i = 0; i < 256; i++) {
      const prev = 2 * ((k - 1) * 256 + i);
      const pLo = words[prev]!;
      const pHi = words[prev + 1]!;
      const idx = 2 * (pLo & 0xff);
      const cur = 2 * (k * 256 + i);
      words[cur] = words[idx]! ^ ((pLo >>> 8) | (pHi << 24));
      words[cur + 1] = words[idx + 1]! ^ (pHi >>> 8);
    }
  }
}

/**
 * Compiles the kernel (synchronously; the module is tiny) and loads the tables for `poly`. `combine` is
 * crc64Combine (crc64.ts): a piece is split into two lanes hashed together, and their CRCs joined.
 */
export function createCrc64Kernel(
  polyHi: number,
  polyLo: number,
  combine: (crc1: bigint, crc2: bigint, length2: number) => bigint,
): (reg: bigint, data: Uint8Array) => bigint {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const pages = Math.ceil((TABLE_BYTES + STAGE_BYTES) / PAGE);
  const exports = new wasm.Instance(new wasm.Module(moduleBytes(pages))).exports as Record<string, unknown>;
  const { update, mem } = exports as unknown as Kernel;
  const n = LANES;
  const lanes = exports[`lanes${n}`] as LanesFn;
  writeTables(new Int32Array(mem.buffer, 0, TABLE_BYTES / 4), polyHi, polyLo);
  const stage = new Uint8Array(mem.buffer, TABLE_BYTES, STAGE_BYTES);
  const args: Array<bigint | number> = [];
  return (reg, data) => {
    for (let off = 0; off < data.length; off += STAGE_BYTES) {
      const piece = data.subarray(off, off + STAGE_BYTES);
      stage.set(piece);
      if (piece.length < TWO_LANES_MIN) {
        reg = update(reg, TABLE_BYTES, piece.length);
        continue;
      }
      // Lane 0 continues `reg` over the first share; the others start afresh (register all ones) over theirs.
      const share = Math.floor(piece.length / (16 * n)) * 16;
      args.length = 0;
      for (let i = 0; i < n; i++) args.push(i === 0 ? reg : MASK64, TABLE_BYTES + i * share);
      args.push(share);
      const regs = lanes(...args);
      let joined = ~regs[0]! & MASK64;
      for (let i = 1; i < n; i++) joined = combine(joined, ~regs[i]! & MASK64, share);
      reg = update(~joined & MASK64, TABLE_BYTES + n * share, piece.length - n * share);
    }
    return reg;
  };
}
