/**
 * CRC-64/XZ, which OSS calls "crc64ecma" (OSS-PROTOCOL.md §7): reflected polynomial 0xC96C5795D7870F42,
 * init and xorout all ones. Headers carry it as an unsigned decimal string.
 *
 * The byte loop is a hand-assembled WebAssembly kernel (crc64-wasm.ts); it measured faster than the best
 * plain-JS slicing-by-16 over uint32 halves, so that is not kept. In Node a native kernel (native/crc64.c, loaded by
 * io/crc64-native.ts through installCrc64Kernel) replaces it where it was built. Short inputs in a process that has
 * not needed a kernel yet go a byte at a time in JS instead (BYTEWISE_MAX below).
 */
import { createCrc64Kernel, fillByteTable } from './crc64-wasm.js';
import { ArgumentError } from './errors.js';

const POLY_HI = 0xc96c5795 | 0;
const POLY_LO = 0xd7870f42 | 0;
const MASK64 = 0xffffffffffffffffn;

/**
 * Up to this many bytes, until a larger input has needed the kernel, the CRC is computed a byte at a time in plain
 * JS: building the kernel (assembling and compiling the module, filling its tables) and its first two-lane combine
 * cost ~5 ms of CPU, most of `cp`'s hashing of a small file and a share of its start-up (issue 27), where the byte
 * loop takes well under 1 ms for a few KiB. After the kernel exists every input goes through it.
 */
const BYTEWISE_MAX = 16 * 1024;

/**
 * Past this many bytes hashed a byte at a time, the process is hashing many short inputs (a tree's small files, each
 * way): the kernel is loaded then, as its cost is soon repaid. The byte loop is ~0.14 ms per 4 KiB before V8
 * optimises it and ~0.3 ms in a tree's first files, which run without TurboFan (cli/v8-flags.ts); the native kernel's
 * first use costs ~2.7 ms and then ~1 us per 4 KiB. At 256 KiB a tree spent ~20 ms in the byte loop (issue 27).
 */
const BYTEWISE_BUDGET = 32 * 1024;
let bytewiseSoFar = 0;

/** A CRC-64 kernel: advances the inverted register over `data` (the register is all ones before any byte). */
export type Crc64Kernel = (reg: bigint, data: Uint8Array) => bigint;

let kernel: Crc64Kernel | undefined;
let offered: (() => Crc64Kernel | undefined) | undefined;
let byteTable: Int32Array | undefined;

/**
 * Offers a faster kernel than the WebAssembly one (Node's entry points offer the native addon: io/crc64-native.ts).
 * `load` runs once, when an input first needs a kernel, so a process that only hashes short inputs never loads it;
 * when it returns undefined the WebAssembly kernel is used.
 */
export function installCrc64Kernel(load: () => Crc64Kernel | undefined): void {
  offered = load;
  kernel = undefined;
}

/** Advances the (inverted) register over `data`. */
function update(reg: bigint, data: Uint8Array): bigint {
  if (kernel === undefined && data.length <= BYTEWISE_MAX && (bytewiseSoFar += data.length) <= BYTEWISE_BUDGET)
    return updateBytewise(reg, data);
  kernel ??= offered?.() ?? createCrc64Kernel(POLY_HI, POLY_LO, crc64Combine);
  return kernel(reg, data);
}

function updateBytewise(reg: bigint, data: Uint8Array): bigint {
  if (byteTable === undefined) fillByteTable((byteTable = new Int32Array(512)), POLY_HI, POLY_LO);
  const t = byteTable;
  let hi = Number(reg >> 32n) | 0;
  let lo = Number(reg & 0xffffffffn) | 0;
  for (let i = 0; i < data.length; i++) {
    const j = 2 * ((lo ^ data[i]!) & 0xff);
    lo = ((lo >>> 8) | (hi << 24)) ^ t[j]!;
    hi = (hi >>> 8) ^ t[j + 1]!;
  }
  return toBig(hi, lo);
}

/** The byte-at-a-time CRC-64 that short inputs take (for tests: it must equal crc64 everywhere). */
export function crc64Bytewise(data: Uint8Array, previous: bigint = 0n): bigint {
  return ~updateBytewise(~previous & MASK64, data) & MASK64;
}

function toBig(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** CRC-64 of `data`; pass `previous` (the CRC of the bytes before it) to continue a running CRC. */
export function crc64(data: Uint8Array, previous: bigint = 0n): bigint {
  return ~update(~previous & MASK64, data) & MASK64;
}

/** Incremental CRC-64: feed chunks with update(), read the CRC so far with digest() (non-destructive). */
export class Crc64 {
  // Kept inverted, as the kernel wants it, so update() does no conversions.
  private register: bigint;

  /** Start from the CRC of some preceding bytes (default: empty input). */
  constructor(initial: bigint = 0n) {
    this.register = ~initial & MASK64;
  }

  /** Adds a chunk. */
  update(chunk: Uint8Array): this {
    this.register = update(this.register, chunk);
    return this;
  }

  /** The CRC-64 of everything fed so far. */
  digest(): bigint {
    return ~this.register & MASK64;
  }
}

/*
 * crc64Combine follows zlib's crc32_combine: appending n zero bytes to a message is a linear map on the CRC
 * register, a 64x64 matrix over GF(2). A matrix is stored as 64 columns, column j at [2j] (hi) and [2j+1] (lo),
 * being the image of bit j. Unlike zlib we square only once per power of two and cache the results, so a
 * combine costs at most ~53 matrix-vector products and no matrix squaring after warm-up.
 */
type Gf2Matrix = Uint32Array;

function matTimes(mat: Gf2Matrix, vecHi: number, vecLo: number, out: Uint32Array): void {
  let sHi = 0;
  let sLo = 0;
  for (let j = 0; vecLo !== 0; j++, vecLo >>>= 1) {
    if (vecLo & 1) {
      sHi ^= mat[2 * j]!;
      sLo ^= mat[2 * j + 1]!;
    }
  }
  for (let j = 32; vecHi !== 0; j++, vecHi >>>= 1) {
    if (vecHi & 1) {
      sHi ^= mat[2 * j]!;
      sLo ^= mat[2 * j + 1]!;
    }
  }
  out[0] = sHi;
  out[1] = sLo;
}

function matSquare(mat: Gf2Matrix): Gf2Matrix {
  const sq = new Uint32Array(128);
  const out = new Uint32Array(2);
  for (let j = 0; j < 64; j++) {
    matTimes(mat, mat[2 * j]!, mat[2 * j + 1]!, out);
    sq[2 * j] = out[0]!;
    sq[2 * j + 1] = out[1]!;
  }
  return sq;
}

/** zeroBytesOps[k] maps the register across 2^k zero bytes. */
const zeroBytesOps: Gf2Matrix[] = [];

function zeroBytesOp(k: number): Gf2Matrix {
  if (zeroBytesOps.length === 0) {
    // One zero bit: shift right by one, xor the polynomial when the bit shifted out was set.
    const oneBit = new Uint32Array(128);
    oneBit[0] = POLY_HI;
    oneBit[1] = POLY_LO;
    for (let j = 1; j < 64; j++) {
      const target = j - 1;
      if (target >= 32) oneBit[2 * j] = 1 << (target - 32);
      else oneBit[2 * j + 1] = (1 << target) >>> 0;
    }
    zeroBytesOps.push(matSquare(matSquare(matSquare(oneBit))));
  }
  while (zeroBytesOps.length <= k) zeroBytesOps.push(matSquare(zeroBytesOps[zeroBytesOps.length - 1]!));
  return zeroBytesOps[k]!;
}

/** CRC-64 of A followed by B, from crc(A), crc(B) and the byte length of B. */
export function crc64Combine(crc1: bigint, crc2: bigint, length2: number): bigint {
  if (!Number.isSafeInteger(length2) || length2 < 0) {
    throw new ArgumentError('length2', `length2 must be a non-negative safe integer, got ${length2}`);
  }
  const a = crc1 & MASK64;
  const out = new Uint32Array([Number(a >> 32n), Number(a & 0xffffffffn)]);
  // Walk the bits of length2 with arithmetic, not bitwise ops: lengths above 4 GiB are normal here.
  let rest = length2;
  for (let k = 0; rest > 0; k++) {
    if (rest % 2 === 1) matTimes(zeroBytesOp(k), out[0]!, out[1]!, out);
    rest = Math.floor(rest / 2);
  }
  return (toBig(out[0]!, out[1]!) ^ crc2) & MASK64;
}

/** Unsigned decimal form, as in the x-oss-hash-crc64ecma header. */
export function crc64ToDecimal(crc: bigint): string {
  if (crc < 0n || crc > MASK64) throw new ArgumentError('crc', `CRC-64 out of range: ${crc}`);
  return crc.toString(10);
}

/** Parses an unsigned decimal CRC-64 (header or checkpoint); throws ArgumentError on anything else. */
export function parseCrc64(decimal: string): bigint {
  if (typeof decimal !== 'string' || !/^[0-9]{1,20}$/.test(decimal)) {
    throw new ArgumentError('crc64', `not an unsigned decimal CRC-64: ${JSON.stringify(decimal)}`);
  }
  const value = BigInt(decimal);
  if (value > MASK64) throw new ArgumentError('crc64', `CRC-64 out of range: ${decimal}`);
  return value;
}
