// A plain-JS CRC-64/XZ (slicing-by-8 over two uint32 halves), kept only so the bench can measure the option the
// WebAssembly kernel in src/core replaced. Not used by ossup.
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

const HI = new Uint32Array(8 * 256);
const LO = new Uint32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let b = 0; b < 8; b++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | (hi << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  HI[i] = hi;
  LO[i] = lo;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const ph = HI[(k - 1) * 256 + i]!;
    const pl = LO[(k - 1) * 256 + i]!;
    const t = pl & 0xff;
    LO[k * 256 + i] = (((pl >>> 8) | (ph << 24)) ^ LO[t]!) >>> 0;
    HI[k * 256 + i] = ((ph >>> 8) ^ HI[t]!) >>> 0;
  }
}

export function crc64Js(data: Uint8Array): bigint {
  let hi = 0xffffffff | 0;
  let lo = 0xffffffff | 0;
  const n = data.length;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    lo ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    hi ^= data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    const a = 7 * 256 + (lo & 0xff),
      b = 6 * 256 + ((lo >>> 8) & 0xff),
      c = 5 * 256 + ((lo >>> 16) & 0xff),
      d = 4 * 256 + (lo >>> 24);
    const e = 3 * 256 + (hi & 0xff),
      f = 2 * 256 + ((hi >>> 8) & 0xff),
      g = 256 + ((hi >>> 16) & 0xff),
      h = hi >>> 24;
    lo = LO[a]! ^ LO[b]! ^ LO[c]! ^ LO[d]! ^ LO[e]! ^ LO[f]! ^ LO[g]! ^ LO[h]!;
    hi = HI[a]! ^ HI[b]! ^ HI[c]! ^ HI[d]! ^ HI[e]! ^ HI[f]! ^ HI[g]! ^ HI[h]!;
  }
  for (; i < n; i++) {
    const t = (lo ^ data[i]!) & 0xff;
    lo = (lo >>> 8) | (hi << 24);
    hi >>>= 8;
    lo ^= LO[t]!;
    hi ^= HI[t]!;
  }
  return (BigInt(~hi >>> 0) << 32n) | BigInt(~lo >>> 0);
}
