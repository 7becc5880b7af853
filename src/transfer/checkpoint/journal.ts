// An append-only journal of typed records: the on-disk form of a checkpoint. The first record is the header; each
// later record costs one small append (O(1) per completed part, unlike SDKs that rewrite the whole checkpoint).
//
// Layout: 8-byte magic, then records of [u32 BE payload length][payload (UTF-8 JSON)][first 8 bytes of SHA-256 of
// payload]. A crash can tear only the last record; the reader stops at the first record that is short or fails its
// checksum, and the writer truncates that tail away before appending again.
import { hash, randomBytes } from 'node:crypto';
import { promises as fsp, constants as fsc, writeSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir } from '../../io/fs.js';

const MAGIC = Buffer.from('OSSUPJ1\n', 'latin1');
const CHECKSUM_BYTES = 8;
/** Far above any real record; a larger length prefix is garbage, not a record to allocate for. */
const MAX_RECORD_BYTES = 1024 * 1024;

export interface JournalContents<T> {
  /** Records in order; the header is records[0]. */
  records: T[];
  /** Length of the intact prefix; anything after it was a torn or garbled tail. */
  validBytes: number;
  /** True when bytes after the last good record were dropped. */
  torn: boolean;
  /**
   * Read from a file: it belongs to this process's user and no one else may write to it, so only this user (or
   * root) can have written what it says (checkpoint/store.ts; an upload's resume trusts only such a checkpoint's
   * claim that its file is unchanged, upload/session.ts).
   */
  ownedHere?: boolean;
}

function checksum(payload: Uint8Array): Buffer {
  // The one-shot hash: no Hash object per record (one record per range of a download).
  return hash('sha256', payload, 'buffer').subarray(0, CHECKSUM_BYTES);
}

export function encodeRecord(record: unknown): Buffer {
  const json = JSON.stringify(record);
  const len = Buffer.byteLength(json, 'utf8');
  const out = Buffer.allocUnsafe(4 + len + CHECKSUM_BYTES);
  out.writeUInt32BE(len, 0);
  out.write(json, 4, 'utf8');
  checksum(out.subarray(4, 4 + len)).copy(out, 4 + len);
  return out;
}

/** Decode a whole journal image. Returns undefined when the magic or the first (header) record is bad. */
export function decodeJournal<T = unknown>(data: Buffer): JournalContents<T> | undefined {
  if (data.length < MAGIC.length || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const records: T[] = [];
  let offset = MAGIC.length;
  while (offset + 4 <= data.length) {
    const len = data.readUInt32BE(offset);
    const end = offset + 4 + len + CHECKSUM_BYTES;
    if (len > MAX_RECORD_BYTES || end > data.length) break;
    const payload = data.subarray(offset + 4, offset + 4 + len);
    if (!checksum(payload).equals(data.subarray(offset + 4 + len, end))) break;
    let value: T;
    try {
      value = JSON.parse(payload.toString('utf8')) as T;
    } catch {
      break;
    }
    records.push(value);
    offset = end;
  }
  if (records.length === 0) return undefined;
  return { records, validBytes: offset, torn: offset !== data.length };
}

/** Read a journal file; undefined when it does not exist or its header is unusable. */
export async function readJournal<T = unknown>(file: string): Promise<JournalContents<T> | undefined> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    // The owner is taken from the descriptor read, so a file swapped in between cannot lend another's ownership.
    const st = await handle.stat();
    const contents = decodeJournal<T>(await handle.readFile());
    return contents && { ...contents, ownedHere: ownedHere(st) };
  } finally {
    await handle.close();
  }
}

/** This process's user owns the file and neither its group nor others may write to it (false where uids are unknown). */
function ownedHere(st: Stats): boolean {
  return typeof process.getuid === 'function' && st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

/** An open journal accepting appends. */
export class JournalWriter {
  private constructor(
    private readonly handle: fsp.FileHandle,
    readonly file: string,
  ) {}

  /**
   * Start a new journal holding only `header`, replacing any old one atomically (temp file, fsync, rename), so a
   * crash leaves either the old journal or the new one, never a mix. Mode 0600: the journal names local paths.
   */
  static async create(file: string, header: unknown): Promise<JournalWriter> {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fsp.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
    try {
      await handle.write(Buffer.concat([MAGIC, encodeRecord(header)]));
      await handle.sync();
    } catch (err) {
      // A full disk fails the write after the file exists: leave no empty temp file behind.
      await handle.close();
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await fsp.rename(tmp, file);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    await fsyncDir(dirname(file));
    return JournalWriter.open(file, undefined);
  }

  /** Reopen an existing journal for appending, first cutting off a torn tail at `validBytes`. */
  static async open(file: string, validBytes: number | undefined): Promise<JournalWriter> {
    const handle = await fsp.open(file, fsc.O_WRONLY | fsc.O_APPEND);
    if (validBytes !== undefined) {
      const { size } = await handle.stat();
      if (size !== validBytes) {
        await handle.truncate(validBytes);
        await handle.sync();
      }
    }
    return new JournalWriter(handle, file);
  }

  /**
   * Append one record; with `sync` (the default) it is durable before this returns. Without it a process crash still
   * keeps it (the page cache survives the process), and a power loss may drop a tail of records, which load() reads
   * as a torn tail.
   */
  async append(record: unknown, opts: { sync?: boolean } = {}): Promise<void> {
    // Written on the calling thread: a record is ~100 bytes into the page cache, where the thread pool's round trip
    // (a request, a promise, two wake-ups) cost more than the write; a download appends one per range (issue 27:
    // ~0.1 ms of the event loop per record through FileHandle.write). Records also land in call order. A download
    // writes its file's batches on the loop too (download/batch-writer.ts), so nothing new can block it here.
    const buf = encodeRecord(record);
    for (let at = 0; at < buf.length; ) at += writeSync(this.handle.fd, buf, at, buf.length - at);
    if (opts.sync ?? true) await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
