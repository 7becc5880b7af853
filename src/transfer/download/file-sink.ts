// A local file as the download's sink: ranges are written at their offsets into `<dest>.ossup-<tag>.tmp` (named by
// the checkpoint, so a later run resumes into it), vouched for by a lease or re-checked on resume (session.ts,
// lease.ts), and renamed over the destination only once every check passed.
// The destination name never holds partial or unverified bytes.
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import type { PartReceiver, PlannedPart, SinkWrite } from '../engine/ports.js';
import { pumpChunks } from '../io/client-bodies.js';
import { BatchWriter, batchBytes, WriteLane } from './batch-writer.js';
import { TempLease } from './lease.js';
import { checkRanges, openDownloadSession } from './session.js';
import type { DownloadContext, DownloadSink, SinkOpen, SinkSession } from './sink.js';
import { checkFreeSpace, commitTemp, sweepTemps } from './target.js';
import { releaseTemp, tempPathFor } from './temp-name.js';
import type { DoneRange } from './types.js';

export class FileSink implements DownloadSink {
  readonly restartable = true;
  private temp = '';
  private handle: fsp.FileHandle | undefined;
  private committed = false;
  private concurrency = 1;
  /** The ranges' writers share it: one write of the file on the thread pool at a time. */
  private readonly lane = new WriteLane();
  /** Kept while a checkpoint may resume from the temporary file. */
  private lease: TempLease | undefined;

  constructor(readonly checkpointFile: string) {}

  get name(): string {
    return this.checkpointFile;
  }

  async open(ctx: DownloadContext, input: SinkOpen): Promise<SinkSession> {
    const dest = this.checkpointFile;
    this.temp ||= tempPathFor(dest, ctx.checkpointPath);
    this.concurrency = input.concurrency;
    const session = await openDownloadSession({
      ...input,
      store: ctx.store,
      file: dest,
      temp: this.temp,
      signal: ctx.signal,
    });
    this.handle = session.handle;
    this.committed = false;
    if (ctx.checkpointPath && this.handle) {
      this.lease = new TempLease(ctx.store, this.handle);
      await this.lease.start();
    }
    return session;
  }

  async write(part: PlannedPart, chunks: AsyncIterable<Uint8Array>, opts: SinkWrite): Promise<void> {
    const receiver = this.receiver(part, opts);
    try {
      await pumpChunks(chunks, (chunk) => receiver.push(chunk));
    } catch (err) {
      await receiver.abandon();
      throw err;
    }
    await receiver.finish();
  }

  /** The range's chunks written in batches at their offsets (the download's direct path: range-get.ts fetchRange). */
  receiver(part: PlannedPart, opts: SinkWrite): PartReceiver {
    // No handle: the destination already holds every range (session.ts), so nothing remains to fetch.
    if (!this.handle) throw new Error('ranges remain but the temporary file is not open');
    const writer = new BatchWriter(this.handle, this.lane, this.temp, batchBytes(this.concurrency), part.start, (end) =>
      opts.onBytes(end - part.start),
    );
    return {
      push: (chunk) => writer.push(chunk as Buffer),
      finish: () => writer.flush(),
      abandon: () => writer.settle(),
    };
  }

  check(ranges: DoneRange[], signal: AbortSignal): Promise<{ mismatched: DoneRange[] }> {
    return checkRanges(this.temp, ranges, signal);
  }

  async reserve(bytes: number): Promise<void> {
    if (this.handle) await checkFreeSpace(dirname(this.checkpointFile), bytes);
  }

  async commit(): Promise<void> {
    await this.lease?.stop();
    this.lease = undefined;
    if (this.handle) await commitTemp(this.handle, this.temp, this.checkpointFile);
    this.committed = true;
    await sweepTemps(this.checkpointFile, this.temp);
  }

  async close(): Promise<void> {
    // Every write has settled (the part pool waits for its workers): record how this run leaves the file.
    await this.lease?.closed().catch(() => undefined);
    this.lease = undefined;
    if (!this.committed) await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  async discard(): Promise<void> {
    await fsp.rm(this.temp, { force: true });
  }

  async failed(_err: unknown, ctx: DownloadContext): Promise<void> {
    // Without a checkpoint nothing can ever resume from the temporary file: do not leave it behind. And a checkpoint
    // whose temporary file was never made (unwritable or full destination) could only ever start over: remove it.
    if (!ctx.checkpointPath) {
      if (this.temp) await fsp.rm(this.temp, { force: true }).catch(() => undefined);
    } else if (!this.temp || !(await fsp.lstat(this.temp).catch(() => undefined))?.isFile()) {
      await ctx.store.remove().catch(() => undefined);
    }
  }

  release(): void {
    if (this.temp) releaseTemp(this.temp);
  }
}
