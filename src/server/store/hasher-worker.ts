// The server's hashing thread (hasher.ts): MD5 and CRC-64 of a body being received, as the event loop writes it:
// each written batch either handed over (its buffers transferred, no copy) or read back from the temp file (reads
// are synchronous on purpose: they block only this thread). The batches of one session arrive in file order (one
// writer per body), so the digests are those of the whole file.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Crc64 } from '../../core/crc64.js';
import { offerNativeCrc64 } from '../../io/crc64-native.js';

export type HasherRequest =
  | { op: 'open'; id: number; path: string }
  | { op: 'range'; id: number; position: number; length: number }
  /** A written batch's own bytes (`length` of them), transferred; sent back once hashed (`released`). */
  | { op: 'data'; id: number; buffers: Uint8Array[]; length: number }
  | { op: 'finish'; id: number }
  | { op: 'drop'; id: number };

export type HasherReply =
  | { id: number; md5: Uint8Array; crc64: bigint; size: number; error?: undefined }
  | { id: number; error: string };

/**
 * A `data` batch hashed: its buffers go back to the event loop, where they are garbage at its next scavenge (this
 * thread allocates too little to collect them soon: the memory would pile up here).
 */
export interface HasherReleased {
  released: number;
  buffers: Uint8Array[];
}

interface Session {
  fd: number;
  md5: Hash;
  crc: Crc64;
  size: number;
  error?: string;
}

offerNativeCrc64();

const sessions = new Map<number, Session>();
const scratch = Buffer.allocUnsafe(1 << 20);

function hashRange(s: Session, position: number, length: number): void {
  for (let done = 0; done < length; ) {
    const n = fs.readSync(s.fd, scratch, 0, Math.min(scratch.length, length - done), position + done);
    if (n === 0) throw new Error(`the temp file ended at ${position + done}, expected ${position + length}`);
    const chunk = scratch.subarray(0, n);
    s.md5.update(chunk);
    s.crc.update(chunk);
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

parentPort!.on('message', (req: HasherRequest) => {
  try {
    if (req.op === 'open') {
      sessions.set(req.id, { fd: fs.openSync(req.path, 'r'), md5: createHash('md5'), crc: new Crc64(), size: 0 });
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
      if (s && !s.error) {
        for (const b of req.buffers) {
          s.md5.update(b);
          s.crc.update(b);
        }
        s.size += req.length;
      }
      const back: HasherReleased = { released: req.length, buffers: req.buffers };
      parentPort!.postMessage(
        back,
        req.buffers.map((b) => b.buffer as ArrayBuffer),
      );
    } else if (req.op === 'finish') {
      const s = close(req.id);
      const reply: HasherReply = !s
        ? { id: req.id, error: 'no such hashing session' }
        : s.error
          ? { id: req.id, error: s.error }
          : { id: req.id, md5: s.md5.digest(), crc64: s.crc.digest(), size: s.size };
      parentPort!.postMessage(reply);
    } else {
      close(req.id);
    }
  } catch (err) {
    if (req.op === 'open' || req.op === 'finish')
      parentPort!.postMessage({ id: req.id, error: (err as Error).message } satisfies HasherReply);
  }
});
