// The native CRC-64 kernel (native/crc64.c, loaded by src/io/crc64-native.ts): both of its loops (PCLMULQDQ folding
// where the CPU has it, and the portable slicing loop) against the byte-at-a-time reference and the WebAssembly
// kernel. crc64.test.ts checks the WebAssembly kernel (it never offers the native one), so with the addon built both
// kernels are tested. Without a compiler at install the addon is missing and these tests skip, saying so; with
// OSSUP_REQUIRE_NATIVE_CRC=1 a missing addon fails instead.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Crc64, crc64, crc64Bytewise, crc64Combine } from '../../src/core/crc64.js';
import { nativeCrc64, offerNativeCrc64 } from '../../src/io/crc64-native.js';

const MASK64 = 0xffffffffffffffffn;
const addon = nativeCrc64();
const required = process.env.OSSUP_REQUIRE_NATIVE_CRC === '1';
const skip =
  addon === undefined && !required
    ? 'native CRC-64 addon not built (no build/Release/ossup_crc64.node, see build/native-build.log, or OSSUP_CRC64=wasm)'
    : false;
const utf8 = (s: string) => new TextEncoder().encode(s);

// A process hashes short inputs byte by byte until one needs a kernel: this makes crc64() below the WebAssembly
// kernel (nothing has offered the native one yet), the peer for the large inputs.
crc64(new Uint8Array(16 * 1024 + 1));

// The install built and checked the addon wherever the file is there, so from then on the loader must find it.
const built = existsSync(fileURLToPath(new URL('../../../build/Release/ossup_crc64.node', import.meta.url)));
const forcedWasm = process.env.OSSUP_CRC64 === 'wasm';

test('an addon the install built is the one that loads (OSSUP_REQUIRE_NATIVE_CRC=1: it must be built)', {
  skip: (built || required) && !forcedWasm ? false : 'not built at install here (see build/native-build.log)',
}, () => {
  assert.ok(addon, 'build/Release/ossup_crc64.node did not load: see build/native-build.log');
});

for (const loop of ['update', 'updatePortable'] as const) {
  /** The CRC-64 of `data` (after `previous`) through this loop of the addon. */
  const crc = (data: Uint8Array, previous = 0n) => ~addon![loop](~previous & MASK64, data) & MASK64;

  test(`${loop}: check value and OSS-PROTOCOL.md §7 vectors`, { skip }, () => {
    assert.equal(crc(utf8('123456789')), 0x995dc9bbdf1939fan);
    assert.equal(crc(utf8('This is a test of the emergency broadcast system.')), 0x27db187fc15bbc72n);
    assert.equal(crc(new Uint8Array(0)), 0n);
  });

  test(`${loop}: every length 0..1000 at several alignments equals the bytewise reference`, { skip }, () => {
    const data = randomBytes(1100);
    for (const start of [0, 1, 3, 7, 8, 15, 16, 63]) {
      for (let len = 0; len <= 1000; len++) {
        const view = data.subarray(start, start + len);
        assert.equal(crc(view), crc64Bytewise(view), `start ${start} len ${len}`);
        if (len % 97 === 0) assert.equal(crc(view, 0x0123456789abcdefn), crc64Bytewise(view, 0x0123456789abcdefn));
      }
    }
  });

  test(`${loop}: random large inputs equal the WebAssembly kernel`, { skip }, () => {
    for (const len of [4096, 65_536 + 13, (1 << 20) + 1, 5 * (1 << 20) + 127]) {
      const data = randomBytes(len + 5).subarray(5);
      assert.equal(crc(data), crc64(data), `len ${len}`);
      assert.equal(crc(data, 0xfedcba9876543210n), crc64(data, 0xfedcba9876543210n), `len ${len}, running`);
    }
  });

  test(`${loop}: chunked equals whole, and combine joins the pieces`, { skip }, () => {
    const data = randomBytes(300_000);
    const whole = crc(data);
    let running = 0n;
    let joined = 0n;
    for (let at = 0; at < data.length; ) {
      const piece = data.subarray(at, at + 1 + Math.floor(Math.random() * 40_000));
      running = crc(piece, running);
      joined = crc64Combine(joined, crc(piece), piece.length);
      at += piece.length;
    }
    assert.equal(running, whole);
    assert.equal(joined, whole);
  });
}

test('offset and length hash a range in place; bad arguments are TypeErrors', { skip }, () => {
  const data = randomBytes(10_000);
  const reg = (bytes: Uint8Array) => ~crc64Bytewise(bytes) & MASK64;
  assert.equal(addon!.update(MASK64, data, 1234), reg(data.subarray(1234)));
  assert.equal(addon!.update(MASK64, data, 1234, 5000), reg(data.subarray(1234, 6234)));
  assert.equal(addon!.update(MASK64, Buffer.from(data.buffer, 17, 999)), reg(data.subarray(17, 1016)));
  assert.throws(() => addon!.update(MASK64, data, 10_001), TypeError);
  assert.throws(() => addon!.update(MASK64, data, 0, 10_001), TypeError);
  assert.throws(() => addon!.update(-1n, data), TypeError);
  assert.throws(() => addon!.update(MASK64, new Uint16Array(4) as unknown as Uint8Array), TypeError);
});

test('offered to core/crc64.ts, crc64 and Crc64 go through it and agree with the WebAssembly kernel', { skip }, () => {
  const data = randomBytes(3 * (1 << 20) + 3);
  const wasm = crc64(data);
  offerNativeCrc64();
  assert.equal(crc64(data), wasm);
  assert.equal(new Crc64().update(data.subarray(0, 100_000)).update(data.subarray(100_000)).digest(), wasm);
  assert.equal(crc64(utf8('123456789')), 0x995dc9bbdf1939fan);
});

/** In a worker thread with `env`: what the addon gives for "123456789" there (as a decimal register), or 'none'. */
function checkInWorker(env: NodeJS.ProcessEnv): Promise<unknown> {
  const url = new URL('../../src/io/crc64-native.js', import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then(({ nativeCrc64 }) => {
      const a = nativeCrc64();
      parentPort.postMessage(a ? String(a.update(2n ** 64n - 1n, new TextEncoder().encode('123456789'))) : 'none');
    });`;
  const worker = new Worker(code, { eval: true, env });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

test('worker threads load it too (context-aware); OSSUP_CRC64=wasm turns it off', { skip }, async () => {
  assert.equal(await checkInWorker({ ...process.env, OSSUP_CRC64: undefined }), String(MASK64 ^ 0x995dc9bbdf1939fan));
  assert.equal(await checkInWorker({ ...process.env, OSSUP_CRC64: 'wasm' }), 'none');
});

// The addon's keepFreed (native/crc64.c; only `ossup serve`'s own process calls it, cli/v8-flags.ts): with glibc,
// memory freed at the top of the C heap stays mapped, so allocating it again faults no page in. Run in a child
// process (the setting is process-wide); 16 MiB of 64 KiB buffers, each freed at once by `transfer(0)`.
const glibc = Boolean(
  (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    ?.glibcVersionRuntime,
);
test('keepFreed: freed heap memory is reused without page faults (glibc)', {
  skip: skip || (!glibc && 'not glibc'),
}, async () => {
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { keepFreedMemory } = await import(${JSON.stringify(new URL('../../src/io/crc64-native.js', import.meta.url).href)});
    const keep = process.argv[1] === 'keep' ? keepFreedMemory(64 << 20) : false;
    const round = () => {
      const before = process.resourceUsage().minorPageFault;
      const held = [];
      for (let i = 0; i < 256; i++) held.push(new Uint8Array(64 << 10).fill(i));
      for (const b of held) b.buffer.transfer(0);
      return process.resourceUsage().minorPageFault - before;
    };
    round();
    console.log(JSON.stringify({ keep, faults: round() }));`;
  const run = (arg: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--harmony-rab-gsab-transfer', '--input-type=module', '-e', script, arg], {
        encoding: 'utf8',
      }),
    ) as { keep: boolean; faults: number };
  const kept = run('keep');
  assert.equal(kept.keep, true);
  // 16 MiB is 4,096 pages; kept, the second round finds them mapped (a few faults from V8's own heap).
  assert.ok(kept.faults < 512, `${kept.faults} page faults with freed memory kept`);
});
