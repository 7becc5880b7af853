import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Crc64, crc64, crc64Bytewise, crc64Combine, crc64ToDecimal, parseCrc64 } from '../../src/core/crc64.js';
import { ArgumentError } from '../../src/core/errors.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const HUXLEY = 'Even if I could be Shakespeare, I think I should still choose to be Faraday. - A. Huxley';

/** Bit-at-a-time reference straight from the parameter set, to cross-check the fast kernel. */
function referenceCrc64(data: Uint8Array): bigint {
  let crc = 0xffffffffffffffffn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ 0xc96c5795d7870f42n : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

// A process hashes short inputs byte by byte until a longer one needs the WebAssembly kernel (crc64.ts): this one
// input past that size makes every test below check the kernel, and the bytewise path is checked on its own.
crc64(new Uint8Array(16 * 1024 + 1));

test('the bytewise path for short inputs equals the kernel and the reference, from a running CRC too', () => {
  const data = randomBytes(17000);
  assert.equal(crc64Bytewise(utf8('123456789')), 0x995dc9bbdf1939fan);
  for (const len of [0, 1, 7, 8, 9, 255, 256, 4095, 4096, 4097, 16384, 16385, 17000]) {
    const view = data.subarray(0, len);
    assert.equal(crc64Bytewise(view), crc64(view), `len ${len}`);
    assert.equal(crc64Bytewise(view, 0x0123456789abcdefn), crc64(view, 0x0123456789abcdefn), `len ${len}, running`);
    if (len <= 4096) assert.equal(crc64Bytewise(view), referenceCrc64(view), `len ${len}, reference`);
  }
});

test('check value "123456789"', () => {
  assert.equal(crc64(utf8('123456789')), 0x995dc9bbdf1939fan);
  assert.equal(crc64ToDecimal(crc64(utf8('123456789'))), '11051210869376104954');
});

test('§7 vectors', () => {
  assert.equal(crc64(utf8('This is a test of the emergency broadcast system.')), 0x27db187fc15bbc72n);
  assert.equal(crc64(utf8(HUXLEY)), 0x7ad25fafa1710407n);
});

test('empty input is 0 and continuing from 0 is the one-shot CRC', () => {
  assert.equal(crc64(new Uint8Array(0)), 0n);
  assert.equal(new Crc64().digest(), 0n);
  assert.equal(crc64(utf8('123456789'), 0n), 0x995dc9bbdf1939fan);
});

test('matches the bit-at-a-time reference for every length 0..300 and odd alignments', () => {
  const data = randomBytes(310);
  for (let start = 0; start < 8; start++) {
    for (let len = 0; start + len <= 300; len += start === 0 ? 1 : 37) {
      const view = data.subarray(start, start + len);
      assert.equal(crc64(view), referenceCrc64(view), `start ${start} len ${len}`);
    }
  }
});

test('inputs larger than the kernel staging area', () => {
  const data = randomBytes(600 * 1024 + 5);
  const expected = referenceCrc64(data.subarray(0, 4096));
  assert.equal(crc64(data.subarray(0, 4096)), expected);
  // Split across the staging boundary vs. one shot.
  const whole = crc64(data);
  assert.equal(crc64(data.subarray(300 * 1024), crc64(data.subarray(0, 300 * 1024))), whole);
  assert.equal(new Crc64().update(data).digest(), whole);
});

test('two-lane pieces (4 KiB and up): the reference at and around the threshold, from a running CRC too', () => {
  const data = randomBytes(13000);
  for (const len of [4095, 4096, 4097, 4111, 4112, 4127, 5000, 8191, 8192, 12345]) {
    for (const start of [0, 3]) {
      const view = data.subarray(start, start + len);
      assert.equal(crc64(view), referenceCrc64(view), `start ${start} len ${len}`);
      const head = data.subarray(0, start + 7);
      const both = data.subarray(0, start + 7 + len);
      assert.equal(
        crc64(data.subarray(start + 7, start + 7 + len), crc64(head)),
        referenceCrc64(both),
        `after ${start + 7}`,
      );
    }
  }
});

test('one-shot (two lanes) equals the same bytes fed in pieces too small for two lanes', () => {
  const data = randomBytes(1024 * 1024 + 333);
  let piecewise = 0n;
  for (let off = 0; off < data.length; off += 4000) piecewise = crc64(data.subarray(off, off + 4000), piecewise);
  assert.equal(crc64(data), piecewise);
});

test('continuing with `previous` equals the one-shot CRC at every split of the Huxley string', () => {
  const all = utf8(HUXLEY);
  for (let i = 0; i <= all.length; i++) {
    assert.equal(crc64(all.subarray(i), crc64(all.subarray(0, i))), 0x7ad25fafa1710407n, `split ${i}`);
  }
});

test('Crc64 class: chunked updates equal one-shot; digest is non-destructive', () => {
  const data = randomBytes(100_000);
  const h = new Crc64();
  let off = 0;
  for (const size of [1, 7, 8, 9, 4096, 13, 50_000]) {
    h.update(data.subarray(off, off + size));
    off += size;
    assert.equal(h.digest(), crc64(data.subarray(0, off)));
  }
  h.update(data.subarray(off));
  assert.equal(h.digest(), crc64(data));
  assert.equal(h.digest(), crc64(data));
  assert.equal(new Crc64(crc64(data.subarray(0, 10))).update(data.subarray(10)).digest(), crc64(data));
});

test('combine at every split point of the Huxley string', () => {
  const all = utf8(HUXLEY);
  for (let i = 0; i <= all.length; i++) {
    const a = all.subarray(0, i);
    const b = all.subarray(i);
    assert.equal(crc64Combine(crc64(a), crc64(b), b.length), 0x7ad25fafa1710407n, `split ${i}`);
  }
});

test('combine: random splits into several parts fold to the one-shot CRC', () => {
  for (let round = 0; round < 20; round++) {
    const data = randomBytes(1 + Math.floor(Math.random() * 200_000));
    let combined = 0n;
    let off = 0;
    while (off < data.length) {
      const size = Math.min(data.length - off, 1 + Math.floor(Math.random() * 40_000));
      const part = data.subarray(off, off + size);
      combined = crc64Combine(combined, crc64(part), part.length);
      off += size;
    }
    assert.equal(combined, crc64(data), `round ${round}`);
  }
});

test('combine with an empty second part returns crc1; lengths above 4 GiB are accepted', () => {
  assert.equal(crc64Combine(0x1234n, 0n, 0), 0x1234n);
  // Zero-extending by 2^32 + 3 bytes then combining must equal extending in two steps.
  const crcA = crc64(utf8('abc'));
  const viaBig = crc64Combine(crcA, 0n, 2 ** 32 + 3);
  const viaSteps = crc64Combine(crc64Combine(crcA, 0n, 2 ** 32), 0n, 3);
  assert.equal(viaBig, viaSteps);
  assert.notEqual(viaBig, crcA);
});

test('combine rejects negative or fractional lengths', () => {
  assert.throws(() => crc64Combine(1n, 2n, -1), ArgumentError);
  assert.throws(() => crc64Combine(1n, 2n, 1.5), ArgumentError);
});

test('crc64ToDecimal / parseCrc64 round trip and range', () => {
  for (const v of [0n, 1n, 0x995dc9bbdf1939fan, 0xffffffffffffffffn]) {
    assert.equal(parseCrc64(crc64ToDecimal(v)), v);
  }
  assert.equal(crc64ToDecimal(0xffffffffffffffffn), '18446744073709551615');
  assert.throws(() => crc64ToDecimal(-1n), ArgumentError);
  assert.throws(() => crc64ToDecimal(1n << 64n), ArgumentError);
});

test('parseCrc64 rejects anything but an unsigned 64-bit decimal', () => {
  for (const bad of [
    '',
    ' 1',
    '1 ',
    '-1',
    '+1',
    '0x10',
    '1e3',
    '1.0',
    '18446744073709551616',
    '123456789012345678901',
    'abc',
  ]) {
    assert.throws(() => parseCrc64(bad), ArgumentError, JSON.stringify(bad));
  }
  assert.equal(parseCrc64('18446744073709551615'), 0xffffffffffffffffn);
  assert.equal(parseCrc64('0'), 0n);
});
