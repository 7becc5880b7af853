// ossup driven as a library in its own process, for what the CLI cannot show: `node ossup-child.js '<json job>'`.
//   download         downloadFile (when the engine exists)
//   cp-capture       uploadFile, stopped at CompleteMultipartUpload: reports the journal size then (every part
//                    record appended, nothing deleted yet) and leaves the checkpoint and the upload in place
//   cp-load          time to load and validate that checkpoint, in a fresh process (no file bytes re-read)
//   cp-resume        uploadFile resuming it (ListParts + re-hash of every part), timed by phase, then completed
// Endpoint and keys come from OSS_* env.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { OssClient, type CompleteOptions } from '../src/client/index.js';
import type { CompleteMultipartUploadResult, ListPartsResult } from '../src/client/types.js';
import { parseCrc64 } from '../src/core/crc64.js';
import { FileCheckpointStore, planParts, uploadFile } from '../src/transfer/index.js';
import { identityOf, snapshotFile } from '../src/transfer/checkpoint/file-identity.js';
import { headerMismatch } from '../src/transfer/upload/session.js';
import type { PartRecord, UploadCheckpointHeader } from '../src/transfer/upload/types.js';

export interface OssupJob {
  op: 'download' | 'cp-capture' | 'cp-load' | 'cp-resume';
  bucket: string;
  key: string;
  file: string;
  partSize: number;
  parallel: number;
  checkpoint: string;
}

class StopBeforeComplete extends Error {}

/** A client that can stop an upload at its Complete and that times ListParts. */
class InstrumentedClient extends OssClient {
  stopAtComplete = false;
  listPartsMs = 0;
  completeMs = 0;
  onComplete?: () => Promise<void>;

  override async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }> | 'all',
    opts?: CompleteOptions,
  ): Promise<CompleteMultipartUploadResult> {
    await this.onComplete?.();
    if (this.stopAtComplete) throw new StopBeforeComplete('stopped before Complete (bench)');
    const t = performance.now();
    try {
      return await super.completeMultipartUpload(bucket, key, uploadId, parts, opts);
    } finally {
      this.completeMs += performance.now() - t;
    }
  }

  override async listParts(
    bucket: string,
    key: string,
    uploadId: string,
    opts?: { signal?: AbortSignal },
  ): Promise<ListPartsResult> {
    const t = performance.now();
    try {
      return await super.listParts(bucket, key, uploadId, opts);
    } finally {
      this.listPartsMs += performance.now() - t;
    }
  }
}

const job = JSON.parse(process.argv[2]!) as OssupJob;
const client = new InstrumentedClient({ endpoint: process.env.OSS_ENDPOINT! });
const file = path.resolve(job.file);
let out: Record<string, unknown>;

switch (job.op) {
  case 'download': {
    // Looked up at run time: the engine may not be exported (or written) yet in the tree being measured.
    let downloadFile: ((c: OssClient, o: Record<string, unknown>) => Promise<unknown>) | undefined;
    for (const spec of ['../src/transfer/index.js', '../src/transfer/download/download-file.js']) {
      const mod = (await import(spec).catch(() => ({}))) as Record<string, unknown>;
      if (typeof mod.downloadFile === 'function') {
        downloadFile = mod.downloadFile as typeof downloadFile;
        break;
      }
    }
    if (typeof downloadFile !== 'function') {
      out = { unavailable: 'src/transfer exports no downloadFile yet' };
      break;
    }
    const started = performance.now();
    const result = await downloadFile(client, {
      bucket: job.bucket,
      key: job.key,
      file,
      partSize: job.partSize,
      concurrency: job.parallel,
      checkpoint: job.checkpoint,
    });
    out = { seconds: (performance.now() - started) / 1000, result };
    break;
  }
  case 'cp-capture': {
    let journalBytes = 0;
    client.stopAtComplete = true;
    client.onComplete = async () => {
      journalBytes = (await stat(job.checkpoint)).size;
    };
    const started = performance.now();
    try {
      await uploadFile(client, {
        bucket: job.bucket,
        key: job.key,
        file,
        partSize: job.partSize,
        concurrency: job.parallel,
        checkpoint: job.checkpoint,
      });
      throw new Error('the upload completed: it was meant to stop before Complete');
    } catch (err) {
      if (!(err instanceof StopBeforeComplete)) throw err;
    }
    const plan = planParts((await stat(file)).size, job.partSize);
    out = {
      seconds: (performance.now() - started) / 1000,
      parts: plan.parts.length,
      journalBytes,
      journalBytesAfter: (await stat(job.checkpoint)).size,
    };
    break;
  }
  case 'cp-load': {
    // What openSession does before it asks the server anything: read and checksum the journal, check the header
    // against this file and plan, and index the part records by number with their CRCs parsed.
    const started = performance.now();
    const store = new FileCheckpointStore<UploadCheckpointHeader, PartRecord>(job.checkpoint);
    const loaded = await store.load();
    const readMs = performance.now() - started;
    if (!loaded) throw new Error(`${job.checkpoint}: no usable checkpoint`);
    const snap = await snapshotFile(file);
    const plan = planParts(snap.size, job.partSize);
    const why = headerMismatch(loaded.header, {
      client,
      bucket: job.bucket,
      key: job.key,
      file: identityOf(snap),
      plan,
      store,
      initiate: {},
    });
    if (why) throw new Error(`checkpoint rejected: ${why}`);
    const byNumber = new Map<number, { etag: string; crc64: bigint; size: number }>();
    for (const r of loaded.records) {
      const planned = plan.parts[r.partNumber - 1];
      if (r.kind !== 'part' || !planned || planned.size !== r.size)
        throw new Error(`bad record for part ${r.partNumber}`);
      byNumber.set(r.partNumber, { etag: r.etag, crc64: parseCrc64(r.crc64), size: r.size });
    }
    out = { ms: performance.now() - started, readMs, records: byNumber.size, bytes: (await stat(job.checkpoint)).size };
    break;
  }
  case 'cp-resume': {
    let toComplete = 0;
    const started = performance.now();
    client.onComplete = async () => {
      toComplete = performance.now() - started;
    };
    const r = await uploadFile(client, {
      bucket: job.bucket,
      key: job.key,
      file,
      partSize: job.partSize,
      concurrency: job.parallel,
      checkpoint: job.checkpoint,
    });
    out = {
      msToComplete: toComplete,
      listPartsMs: client.listPartsMs,
      completeMs: client.completeMs,
      resumedBytes: r.resumedBytes,
      transferredBytes: r.transferredBytes,
      size: r.size,
    };
    break;
  }
}
await client.close();
process.stdout.write(`${JSON.stringify(out!)}\n`);
