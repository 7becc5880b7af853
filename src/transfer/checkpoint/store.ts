// Checkpoint storage behind an interface: the engines speak records, the store decides where they live. The file
// store is an append-only journal (journal.ts); the interface and the memory store are in engine/ports.ts.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointError } from '../../core/errors.js';
import type { CheckpointIdentity, CheckpointStore, LoadedCheckpoint } from '../engine/ports.js';
import { JournalWriter, readJournal } from './journal.js';

export { MemoryCheckpointStore } from './memory.js';
export type { CheckpointIdentity, CheckpointStore, LoadedCheckpoint } from '../engine/ports.js';

export class FileCheckpointStore<H, R> implements CheckpointStore<H, R> {
  private writer: JournalWriter | undefined;
  private validBytes: number | undefined;
  unreadable: Buffer | undefined;

  /**
   * `syncRecords: false` skips the fsync after each appended record, for journals whose records the next run can
   * rebuild from elsewhere (an upload re-adopts every part the server lists, after re-hashing it). The header is
   * always made durable.
   */
  constructor(
    readonly location: string,
    private readonly opts: { syncRecords?: boolean } = {},
  ) {}

  async load(): Promise<LoadedCheckpoint<H, R> | undefined> {
    const journal = await this.io('read', () => readJournal<H | R>(this.location));
    if (!journal) {
      this.unreadable = await fsp.readFile(this.location).catch(() => undefined);
      return undefined;
    }
    this.validBytes = journal.validBytes;
    const [header, ...records] = journal.records;
    return { header: header as H, records: records as R[], ours: journal.ownedHere === true };
  }

  async start(header: H): Promise<void> {
    await this.close();
    this.writer = await this.io('create', () => JournalWriter.create(this.location, header));
  }

  async append(record: R): Promise<void> {
    await this.io('append to', async () => {
      // Opened lazily so a loaded-but-never-extended checkpoint is not touched (its torn tail is cut only on append).
      this.writer ??= await JournalWriter.open(this.location, this.validBytes);
      await this.writer.append(record, { sync: this.opts.syncRecords ?? true });
    });
  }

  async remove(): Promise<void> {
    await this.close();
    await this.io('remove', () => fsp.rm(this.location, { force: true }));
  }

  /** File-system failures (missing directory, permissions, full disk) become CheckpointError naming the file. */
  private async io<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new CheckpointError(this.location, `cannot ${what} checkpoint ${this.location}: ${code}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    const w = this.writer;
    this.writer = undefined;
    await w?.close();
  }
}

/**
 * Resolve the `checkpoint` option: false/undefined -> none; true -> `<file><suffix>` beside the file; a path to an
 * existing directory -> a file in it named by a readable slug plus a hash of (abs path, endpoint, bucket, key), so
 * distinct transfers never share one and only [A-Za-z0-9._-] appear; any other path -> that file.
 */
export async function resolveCheckpointPath(
  option: boolean | string | undefined,
  id: CheckpointIdentity,
  suffix = '.ucp',
): Promise<string | undefined> {
  if (option === undefined || option === false) return undefined;
  const absFile = resolve(id.file);
  if (option === true) return absFile + suffix;
  const target = resolve(option);
  const st = await fsp.stat(target).catch(() => undefined);
  if (!st?.isDirectory()) return target;
  return join(target, checkpointFileName(id, suffix));
}

export function checkpointFileName(id: CheckpointIdentity, suffix = '.ucp'): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([resolve(id.file), id.endpoint, id.bucket, id.key]))
    .digest('hex')
    .slice(0, 16);
  const slug = `${id.bucket}-${id.key}`
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 60);
  return `${slug}-${hash}${suffix}`;
}
