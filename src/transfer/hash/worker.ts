// The hashing thread behind pool.ts: reads a file range and computes its MD5 and CRC-64 off the main thread,
// so the event loop keeps feeding sockets while the next part is hashed. Reads are synchronous here on purpose:
// they block only this thread. A caller-supplied shared buffer receives the bytes; without one the range is
// streamed through a fixed scratch buffer. Only digests travel back.
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { AlignedArena } from '../../core/aligned-memory.js';
import { offerNativeCrc64 } from '../../io/crc64-native.js';
import type { HashReply, HashRequest } from './pool.js';
import { CHUNK, RangeHashing } from './hash.js';

offerNativeCrc64();

/**
 * One scratch buffer for every range hashed without a caller's buffer (this thread hashes one range at a time),
 * page-aligned: reads from the page cache into it cost a third of what they cost into a Buffer (aligned-memory.ts).
 */
const region = new AlignedArena(CHUNK, 1).take();
const scratch = Buffer.from(region.buffer, region.offset, region.size);

function hash(req: HashRequest): HashReply {
  const data = req.buffer && Buffer.from(req.buffer, req.offset ?? 0, req.length);
  const hashing = new RangeHashing(req.file, req.start, req.length, data, data ? undefined : scratch, {
    crcOnly: req.crcOnly,
  });
  const fd = fs.openSync(req.file, 'r');
  try {
    while (!hashing.finished) {
      const { target, position } = hashing.next();
      hashing.took(target, fs.readSync(fd, target, 0, target.length, position));
    }
  } finally {
    fs.closeSync(fd);
  }
  return { id: req.id, ...hashing.digest() };
}

parentPort!.on('message', (req: HashRequest) => {
  let reply: HashReply;
  try {
    reply = hash(req);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = {
      id: req.id,
      error: { message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path },
    };
  }
  parentPort!.postMessage(reply);
});
