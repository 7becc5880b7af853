// The server's hashing thread (hasher.ts): MD5 and CRC-64 of a body being received, as the event loop writes it:
// each written batch either handed over (its buffers transferred, no copy) or read back from the temp file (reads
// are synchronous on purpose: they block only this thread). The batches of one session arrive in file order (one
// writer per body), so the digests are those of the whole file. The MD5s of the bodies open at once go through
// md5-streams.ts (SIMD lanes side by side where the native addon is built), the CRC-64s as the bytes come.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Crc64 } from '../../core/crc64.js';
import { offerNativeCrc64 } from '../../io/crc64-native.js';
import { nativeMd5 } from '../../io/md5-native.js';
import { CryptoMd5Streams, LaneMd5Streams, type Md5Stream, type Md5Streams } from './md5-streams.js';

export type HasherRequest =
  | { op: 'open'; id: number; path: string }
  | { op: 'range'; id: number; position: number; length: number }
  /** A written batch's own bytes (`length` of them), transferred; freed or sent back once hashed (`released`). */
  | { op: 'data'; id: number; buffers: Uint8Array[]; length: number }
  | { op: 'finish'; id: number }
  | { op: 'drop'; id: number };

export type HasherReply =
  | { id: number; md5: Uint8Array; crc64: bigint; size: number; error?: undefined }
  | { id: number; error: string };

/**
 * A `data` batch hashed. Where `ArrayBuffer.prototype.transfer` exists (Node 21+; in Node 20 `ossup serve` turns it on, cli/v8-flags.ts), the
 * thread frees the batch's memory itself (`transfer(0)` detaches each buffer and drops its memory at once) and only
 * the count goes back. Otherwise its buffers go back to the event loop, where they are garbage at its next scavenge
 * (this thread allocates too little to collect them soon: the memory would pile up here).
 */
export interface HasherReleased {
  released: number;
  buffers?: Uint8Array[];
}

/** What the pool tells a new thread (hasher.ts). */
export interface HasherOptions {
  /** Bytes the bodies' MD5s may keep waiting for company (md5-streams.ts). */
  md5Budget: number;
}

interface Session {
  fd: number;
  md5: Md5Stream;
  crc: Crc64;
  size: number;
  error?: string;
}

offerNativeCrc64();

const sessions = new Map<number, Session>();
const native = nativeMd5();
const md5s: Md5Streams = native
  ? new LaneMd5Streams(native, (workerData as HasherOptions | undefined)?.md5Budget ?? 8 << 20)
  : new CryptoMd5Streams();
let pumping = false;

/** Once the messages waiting now are taken in, the MD5s that are due (md5-streams.ts). */
function pumpSoon(): void {
  if (pumping) return;
  pumping = true;
  setImmediate(() => {
    pumping = false;
    md5s.pump();
  });
}

const scratch = Buffer.allocUnsafe(1 << 20);

function hashRange(s: Session, position: number, length: number): void {
  for (let done = 0; done < length; ) {
    const n = fs.readSync(s.fd, scratch, 0, Math.min(scratch.length, length - done), position + done);
    if (n === 0) throw new Error(`the temp file ended at ${position + done}, expected ${position + length}`);
    const chunk = scratch.subarray(0, n);
    s.crc.update(chunk);
    // Hashed before the scratch is reused (a buffer per range would pile up here: this thread rarely collects).
    md5s.add(s.md5, chunk);
    md5s.flush(s.md5);
    done += n;
  }
  s.size += length;
}

function close(id: number): Session | undefined {
  const s = sessions.get(id);
  sessions.delete(id);
  if (s) fs.closeSync(s.fd);
  return s;
}

/** `ArrayBuffer.prototype.transfer` (ES2024; behind a flag in Node 20, which `ossup serve` sets: cli/v8-flags.ts). */
const freeable = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

function release(req: { buffers: Uint8Array[]; length: number }): void {
  if (freeable) {
    // Each buffer's memory is freed now rather than at some GC: no copy back, no external memory on either heap.
    for (const b of req.buffers) (b.buffer as ArrayBuffer & { transfer(n: number): ArrayBuffer }).transfer(0);
    parentPort!.postMessage({ released: req.length } satisfies HasherReleased);
    return;
  }
  const back: HasherReleased = { released: req.length, buffers: req.buffers };
  parentPort!.postMessage(
    back,
    req.buffers.map((b) => b.buffer as ArrayBuffer),
  );
}

parentPort!.on('message', (req: HasherRequest) => {
  try {
    if (req.op === 'open') {
      const fd = fs.openSync(req.path, 'r');
      sessions.set(req.id, { fd, md5: md5s.open(req.id), crc: new Crc64(), size: 0 });
    } else if (req.op === 'range') {
      const s = sessions.get(req.id);
      if (s && !s.error) {
        try {
          hashRange(s, req.position, req.length);
        } catch (err) {
          s.error = (err as Error).message; // reported at finish
        }
      }
    } else if (req.op === 'data') {
      const s = sessions.get(req.id);
      if (s && !s.error && req.buffers.length > 0) {
        // The batch goes back once its last buffer is hashed (they are hashed in order).
        const last = req.buffers.length - 1;
        req.buffers.forEach((b, i) => {
          s.crc.update(b);
          md5s.add(s.md5, b, i === last ? () => release(req) : undefined);
        });
        s.size += req.length;
        pumpSoon();
      } else {
        release(req);
      }
    } else if (req.op === 'finish') {
      const s = close(req.id);
      if (!s || s.error) {
        if (s) md5s.drop(s.md5);
        parentPort!.postMessage({ id: req.id, error: s?.error ?? 'no such hashing session' } satisfies HasherReply);
      } else {
        const crc64 = s.crc.digest();
        md5s.finish(s.md5, (md5) => {
          parentPort!.postMessage({ id: req.id, md5, crc64, size: s.size } satisfies HasherReply);
        });
      }
      pumpSoon(); // finishes it, beside the others that finish now
    } else {
      const s = close(req.id);
      if (s) md5s.drop(s.md5);
      pumpSoon();
    }
  } catch (err) {
    if (req.op === 'open' || req.op === 'finish')
      parentPort!.postMessage({ id: req.id, error: (err as Error).message } satisfies HasherReply);
  }
});
