// The hashing thread behind hash-pool.ts: reads a file range and computes its MD5 and CRC-64 off the main thread,
// so the event loop keeps feeding sockets while the next part is hashed. Reads are synchronous here on purpose:
// they block only this thread. A caller-supplied shared buffer receives the bytes; without one the range is
// streamed through a fixed scratch buffer. Only digests travel back.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Crc64 } from '../core/crc64.js';
import type { HashReply, HashRequest } from './hash-pool.js';

const CHUNK = 1024 * 1024;
let scratch: Buffer | undefined;

function hash(req: HashRequest): HashReply {
  const md5 = createHash('md5');
  const crc = new Crc64();
  const data = req.buffer ? Buffer.from(req.buffer, 0, req.length) : undefined;
  const fd = fs.openSync(req.file, 'r');
  try {
    let done = 0;
    while (done < req.length) {
      const want = Math.min(CHUNK, req.length - done);
      const target = data ? data.subarray(done, done + want) : (scratch ??= Buffer.allocUnsafe(CHUNK)).subarray(0, want);
      const bytesRead = fs.readSync(fd, target, 0, want, req.start + done);
      if (bytesRead === 0) {
        return { id: req.id, error: { message: `${req.file} ended at ${req.start + done}, expected ${req.start + req.length} bytes`, code: 'ESHORTFILE' } };
      }
      const chunk = target.subarray(0, bytesRead);
      md5.update(chunk);
      crc.update(chunk);
      done += bytesRead;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { id: req.id, md5: md5.digest(), crc64: crc.digest() };
}

parentPort!.on('message', (req: HashRequest) => {
  let reply: HashReply;
  try {
    reply = hash(req);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = { id: req.id, error: { message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path } };
  }
  parentPort!.postMessage(reply);
});
