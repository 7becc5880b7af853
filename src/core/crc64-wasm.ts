/**
 * The CRC-64/XZ hot loop as a tiny hand-assembled WebAssembly module (slicing-by-16 over native i64).
 *
 * Why WebAssembly: slicing in plain JS has to split the 64-bit register into two int32 halves and peaked at
 * 0.8-1.1 GB/s here (by-8 and by-16 alike); with native i64 loads and xors, by-8 ran at ~1.6 GB/s and by-16
 * at ~1.9 GB/s, so only by-16 is kept. A piece of 4 KiB or more is hashed as two lanes in one loop (update2),
 * the second half from a fresh register, and the two CRCs joined with crc64Combine: one lane's step waits on
 * its own chain of lookups, two chains keep the CPU busier (~15% more bytes per CPU-second, 1 MiB chunks, paired
 * runs on 2 vCPUs; about 4 instructions per byte remain, which bounds a table kernel in wasm). The module is a few hundred bytes, built below from named opcodes so
 * it can be read and reviewed, and needs no dependency.
 *
 * Memory layout: sixteen lookup tables of 256 little-endian u64 at [0, 32768), then a staging area that
 * input is copied into, STAGE_BYTES at a time.
 *
 * How it is built: there is no .wasm file and no build step. moduleBytes() assembles the binary at load time from
 * the named opcodes in OP, following the WebAssembly core spec's binary format (section 5): the header, then a
 * type, function, memory, export and code section. updateBody() and update2Body() are the two functions, written
 * as flat lists of instructions around step(), one lane's sixteen bytes; each body's `locals` declares, in two
 * groups (i32, then i64), the locals after its parameters, in the order of the index names at its top.
 *
 * How to change it: edit updateBody() (add any opcode you need to OP with its byte from the spec), keep the local
 * declarations in step with the indexes it uses, and run test/core/crc64.test.ts: it checks the kernel against the
 * CRC-64/XZ check value and OSS-PROTOCOL.md §7 vectors, a bit-at-a-time reference for every length 0..300 at odd
 * alignments, and inputs larger than the staging area, so a wrong byte fails there (a malformed module already fails
 * at `new WebAssembly.Module`). To read the module as text, write moduleBytes() to a file and run `wasm2wat` (wabt)
 * on it. A speed change is measured by `npm run bench` (its `src/core/crc64` line), not in tests.
 */

const SLICES = 16;
const TABLE_BYTES = SLICES * 256 * 8;
/** Bytes hashed per call; 256 KiB keeps the staging copy in L2 cache. */
const STAGE_BYTES = 256 * 1024;
const PAGE = 65536;

// Opcodes used (WebAssembly core spec, binary format).
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  void: 0x40,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i64Const: 0x42,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32And: 0x71,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
} as const;
const I32 = 0x7f;
const I64 = 0x7e;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))]; // ASCII names; no Buffer, so pages can load it
}

const get = (i: number) => [OP.localGet, i];
const set = (i: number) => [OP.localSet, i];
const i32 = (v: number) => [OP.i32Const, ...sleb(v)];

/** Byte `shift/8` of a 32-bit half, pre-multiplied by 8 (table entries are u64), looked up in table `t`. */
function lookup(half: number, shift: number, t: number): number[] {
  return [
    ...get(half),
    ...(shift === 0 ? [...i32(3), OP.i32Shl] : [...i32(shift - 3), OP.i32ShrU]),
    ...i32(0x7f8),
    OP.i32And,
    OP.i64Load,
    3,
    ...uleb(t * 2048),
  ];
}

/** Locals one lane's 16-byte step uses: its register, pointer, two i64 words and their four 32-bit halves. */
interface Lane {
  reg: number;
  ptr: number;
  x: number;
  y: number;
  lo: number;
  hi: number;
  lo2: number;
  hi2: number;
}

/** Sixteen bytes of one lane: x = reg ^ load64(ptr), y = load64(ptr + 8); reg = T15[x.b0] ^ ... ^ T0[y.b7]; ptr += 16. */
function step(l: Lane): number[] {
  const halves = [l.lo, l.hi, l.lo2, l.hi2];
  const lookups: number[] = [];
  let t = 15;
  for (const half of halves) {
    for (const shift of [0, 8, 16, 24]) {
      lookups.push(...lookup(half, shift, t));
      if (t !== 15) lookups.push(OP.i64Xor);
      t--;
    }
  }
  return [
    ...get(l.reg),
    ...get(l.ptr),
    OP.i64Load,
    3,
    0,
    OP.i64Xor,
    ...set(l.x),
    ...get(l.ptr),
    OP.i64Load,
    3,
    8,
    ...set(l.y),
    ...get(l.x),
    OP.i32WrapI64,
    ...set(l.lo),
    ...get(l.x),
    OP.i64Const,
    32,
    OP.i64ShrU,
    OP.i32WrapI64,
    ...set(l.hi),
    ...get(l.y),
    OP.i32WrapI64,
    ...set(l.lo2),
    ...get(l.y),
    OP.i64Const,
    32,
    OP.i64ShrU,
    OP.i32WrapI64,
    ...set(l.hi2),
    ...lookups,
    ...set(l.reg),
    ...get(l.ptr),
    ...i32(16),
    OP.i32Add,
    ...set(l.ptr),
  ];
}

/** update(reg: i64, ptr: i32, len: i32) -> i64, over the raw (inverted) register. */
function updateBody(): number[] {
  // Locals: 0 reg (i64), 1 ptr, 2 len, 3 end16, 4 lo, 5 hi, 6 stop, 7 lo2, 8 hi2 (i32), 9 x, 10 y (i64).
  const [REG, PTR, LEN, END16, LO, HI, STOP, LO2, HI2, X, Y] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const lane: Lane = { reg: REG, ptr: PTR, x: X, y: Y, lo: LO, hi: HI, lo2: LO2, hi2: HI2 };
  const code = [
    ...get(PTR),
    ...get(LEN),
    OP.i32Add,
    ...set(STOP),
    ...get(PTR),
    ...get(LEN),
    ...i32(-16),
    OP.i32And,
    OP.i32Add,
    ...set(END16),
    // Sixteen bytes at a time.
    OP.block,
    OP.void,
    OP.loop,
    OP.void,
    ...get(PTR),
    ...get(END16),
    OP.i32GeU,
    OP.brIf,
    1,
    ...step(lane),
    OP.br,
    0,
    OP.end,
    OP.end,
    // The remaining 0..15 bytes one at a time: reg = T0[(reg ^ byte) & 0xff] ^ (reg >> 8).
    OP.block,
    OP.void,
    OP.loop,
    OP.void,
    ...get(PTR),
    ...get(STOP),
    OP.i32GeU,
    OP.brIf,
    1,
    ...get(REG),
    OP.i32WrapI64,
    ...get(PTR),
    OP.i32Load8U,
    0,
    0,
    OP.i32Xor,
    ...i32(0xff),
    OP.i32And,
    ...i32(3),
    OP.i32Shl,
    OP.i64Load,
    3,
    0,
    ...get(REG),
    OP.i64Const,
    8,
    OP.i64ShrU,
    OP.i64Xor,
    ...set(REG),
    ...get(PTR),
    ...i32(1),
    OP.i32Add,
    ...set(PTR),
    OP.br,
    0,
    OP.end,
    OP.end,
    ...get(REG),
    OP.end,
  ];
  const locals = [2, 6, I32, 2, I64];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

/**
 * update2(regA: i64, ptrA: i32, regB: i64, ptrB: i32, len: i32) -> (i64, i64): two independent lanes of `len`
 * bytes (a multiple of 16), interleaved in one loop. One lane's step waits on its own lookups (a chain of loads
 * and xors); two chains in flight keep the load ports busy. The caller combines the lanes (crc64Combine).
 */
function update2Body(): number[] {
  // Params: 0 regA, 1 ptrA, 2 regB, 3 ptrB, 4 len. Locals: 5 endA, 6-9 A's halves, 10-13 B's (i32), 14-17 x/y (i64).
  const A: Lane = { reg: 0, ptr: 1, x: 14, y: 15, lo: 6, hi: 7, lo2: 8, hi2: 9 };
  const B: Lane = { reg: 2, ptr: 3, x: 16, y: 17, lo: 10, hi: 11, lo2: 12, hi2: 13 };
  const END = 5;
  const code = [
    ...get(A.ptr),
    ...get(4),
    OP.i32Add,
    ...set(END),
    OP.block,
    OP.void,
    OP.loop,
    OP.void,
    ...get(A.ptr),
    ...get(END),
    OP.i32GeU,
    OP.brIf,
    1,
    ...step(A),
    ...step(B),
    OP.br,
    0,
    OP.end,
    OP.end,
    ...get(A.reg),
    ...get(B.reg),
    OP.end,
  ];
  const locals = [2, 9, I32, 4, I64];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(): Uint8Array {
  const pages = Math.ceil((TABLE_BYTES + STAGE_BYTES) / PAGE);
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    // type 0: (i64, i32, i32) -> i64; type 1: (i64, i32, i64, i32, i32) -> (i64, i64)
    ...section(1, [2, 0x60, 3, I64, I32, I32, 1, I64, 0x60, 5, I64, I32, I64, I32, I32, 2, I64, I64]),
    ...section(3, [2, 0, 1]), // update: type 0, update2: type 1
    ...section(5, [1, 0x00, ...uleb(pages)]), // one memory, fixed minimum
    ...section(7, [3, ...name('update'), 0x00, 0, ...name('update2'), 0x00, 1, ...name('mem'), 0x02, 0]),
    ...section(10, [2, ...updateBody(), ...update2Body()]),
  ]);
}

/** The slice of the WebAssembly JS API we use; the project's lib settings (no DOM) do not declare it. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface Kernel {
  update(reg: bigint, ptr: number, len: number): bigint;
  update2(regA: bigint, ptrA: number, regB: bigint, ptrB: number, len: number): [bigint, bigint];
  mem: { buffer: ArrayBuffer };
}

const MASK64 = 0xffffffffffffffffn;
/** Below this many bytes a piece goes through one lane: combining two costs more than it saves. */
const TWO_LANES_MIN = 4096;

/** Fills the sixteen slicing tables for the reflected polynomial into `mem` as little-endian u64. */
function writeTables(words: Int32Array, polyHi: number, polyLo: number): void {
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
  const instance = new wasm.Instance(new wasm.Module(moduleBytes()));
  const { update, update2, mem } = instance.exports as unknown as Kernel;
  writeTables(new Int32Array(mem.buffer, 0, TABLE_BYTES / 4), polyHi, polyLo);
  const stage = new Uint8Array(mem.buffer, TABLE_BYTES, STAGE_BYTES);
  return (reg, data) => {
    for (let off = 0; off < data.length; off += STAGE_BYTES) {
      const piece = data.subarray(off, off + STAGE_BYTES);
      stage.set(piece);
      if (piece.length < TWO_LANES_MIN) {
        reg = update(reg, TABLE_BYTES, piece.length);
        continue;
      }
      // Lane A continues `reg` over the first half; lane B starts afresh (register all ones) over the second.
      const half = Math.floor(piece.length / 32) * 16;
      const [a, b] = update2(reg, TABLE_BYTES, MASK64, TABLE_BYTES + half, half);
      const joined = combine(~a & MASK64, ~b & MASK64, half);
      reg = update(~joined & MASK64, TABLE_BYTES + 2 * half, piece.length - 2 * half);
    }
    return reg;
  };
}
