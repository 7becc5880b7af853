/**
 * The CRC-64/XZ kernel's WebAssembly module, assembled at load time from named opcodes (no .wasm file, no build
 * step; the loader, its tables and the reasons are in crc64-wasm.ts). It follows the WebAssembly core spec's binary
 * format (section 5): the header, then a type, function, memory, export and code section. updateBody() and
 * lanesBody() are the functions, written as flat lists of instructions around step(), one lane's sixteen bytes;
 * each body's `locals` declares, in two groups (i32, then i64), the locals after its parameters, in the order of
 * the index names at its top.
 *
 * How to change it: edit a body (add any opcode you need to OP with its byte from the spec), keep the local
 * declarations in step with the indexes it uses, and run test/core/crc64.test.ts: it checks the kernel against the
 * CRC-64/XZ check value and OSS-PROTOCOL.md §7 vectors, a bit-at-a-time reference for every length 0..300 at odd
 * alignments, and inputs larger than the staging area, so a wrong byte fails there (a malformed module already fails
 * at `new WebAssembly.Module`). To read the module as text, write moduleBytes() to a file and run `wasm2wat` (wabt).
 */

/** Slicing tables (one per byte of a 16-byte step), 256 little-endian u64 each, at the start of memory. */
export const SLICES = 16;
export const TABLE_BYTES = SLICES * 256 * 8;

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
 * lanesN(reg0: i64, ptr0: i32, ..., reg{N-1}: i64, ptr{N-1}: i32, len: i32) -> (i64 x N): N independent lanes of
 * `len` bytes each (a multiple of 16), interleaved in one loop. One lane's step waits on its own lookups (a chain
 * of loads and xors); several chains in flight keep the load ports busy. The caller combines the lanes (crc64Combine).
 */
function lanesBody(n: number): number[] {
  // Params: reg/ptr per lane (2n), then len. Locals: end (i32), 4 halves per lane (i32), x/y per lane (i64).
  const LEN = 2 * n;
  const END = LEN + 1;
  const halves = END + 1;
  const words = halves + 4 * n;
  const lanes: Lane[] = [];
  for (let i = 0; i < n; i++) {
    const h = halves + 4 * i;
    lanes.push({
      reg: 2 * i,
      ptr: 2 * i + 1,
      x: words + 2 * i,
      y: words + 2 * i + 1,
      lo: h,
      hi: h + 1,
      lo2: h + 2,
      hi2: h + 3,
    });
  }
  const code = [
    ...get(lanes[0]!.ptr),
    ...get(LEN),
    OP.i32Add,
    ...set(END),
    OP.block,
    OP.void,
    OP.loop,
    OP.void,
    ...get(lanes[0]!.ptr),
    ...get(END),
    OP.i32GeU,
    OP.brIf,
    1,
    ...lanes.flatMap(step),
    OP.br,
    0,
    OP.end,
    OP.end,
    ...lanes.flatMap((l) => get(l.reg)),
    OP.end,
  ];
  const locals = [2, ...uleb(1 + 4 * n), I32, ...uleb(2 * n), I64];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

/** Lanes hashed side by side, exported as `lanes<N>` (two: see crc64-wasm.ts for what more measured). */
export const LANES = 2;

/**
 * The module: `update` (type 0: (i64, i32, i32) -> i64) and `lanes<LANES>` (type 1), over one memory of `pages`
 * 64 KiB pages (exported as `mem`).
 */
export function moduleBytes(pages: number): Uint8Array {
  const n = LANES;
  const pairs = (a: number, b: number) => Array.from({ length: n }, () => [a, b]).flat();
  // type 0: update; type 1: lanes<n>, (i64, i32) x n then len -> i64 x n
  const types = [0x60, 3, I64, I32, I32, 1, I64, 0x60, ...uleb(2 * n + 1), ...pairs(I64, I32), I32, ...uleb(n)];
  types.push(...Array.from({ length: n }, () => I64));
  const exports = [...name('update'), 0x00, 0, ...name(`lanes${n}`), 0x00, 1, ...name('mem'), 0x02, 0];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [2, ...types]),
    ...section(3, [2, 0, 1]),
    ...section(5, [1, 0x00, ...uleb(pages)]), // one memory, fixed minimum
    ...section(7, [3, ...exports]),
    ...section(10, [2, ...updateBody(), ...lanesBody(n)]),
  ]);
}
