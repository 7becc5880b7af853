// Where a multipart server-side copy starts: resume what the checkpoint and the server agree on, or start over. The
// checkpoint records the source's ETag; a source whose ETag has changed since is never continued (its new bytes
// would mix with the old ones already copied): the old upload is aborted and the copy fails with ObjectChanged.
import { crc64ToDecimal, parseCrc64 } from '../../core/crc64.js';
import { ObjectChangedError, ServiceError } from '../../core/errors.js';
import type { ObjectWriteOptions } from '../../client/index.js';
import type { TransferClient } from '../engine/ports.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import type { MovedPart } from '../engine/engine.js';
import type { PartPlan } from '../engine/plan.js';
import type { PartRecord } from '../engine/multipart.js';

/** Bump when the meaning of copy checkpoint records changes; other versions are discarded. */
export const COPY_CHECKPOINT_VERSION = 1;

/** The source as HeadObject saw it when the copy began. */
export interface CopySource {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  /** Decimal CRC-64, when the server gave one. */
  crc64?: string;
}

/** First journal record of a copy checkpoint. Holds no secrets. */
export interface CopyCheckpointHeader {
  kind: 'ossup-copy';
  version: number;
  endpoint: string;
  bucket: string;
  key: string;
  uploadId: string;
  source: CopySource;
  partSize: number;
  partCount: number;
  /** The headers the upload was initiated with (metadata of the new object): a different request starts over. */
  headers: Record<string, string>;
}

export type CopyStore = CheckpointStore<CopyCheckpointHeader, PartRecord>;

/** A part copied on the server. `crcKnown` false: the server gave no CRC-64 for it (`crc64` is then 0n, unused). */
export interface CopiedPart extends MovedPart {
  etag: string;
  crcKnown: boolean;
}

export interface CopySession {
  uploadId: string;
  done: Map<number, CopiedPart>;
  resumedBytes: number;
}

export interface CopySessionInput {
  client: TransferClient;
  store: CopyStore;
  bucket: string;
  key: string;
  source: CopySource;
  plan: PartPlan;
  /** Headers of InitiateMultipartUpload (content type, metadata, ...). */
  headers: Record<string, string>;
  initiate: ObjectWriteOptions;
  signal?: AbortSignal;
}

export async function openCopySession(input: CopySessionInput): Promise<CopySession> {
  const { client, store } = input;
  const loaded = await store.load();
  const h = loaded?.header;
  if (h && h.kind === 'ossup-copy' && h.endpoint === client.endpoint.url) {
    const same =
      h.version === COPY_CHECKPOINT_VERSION &&
      h.bucket === input.bucket &&
      h.key === input.key &&
      h.source.bucket === input.source.bucket &&
      h.source.key === input.source.key &&
      h.partSize === input.plan.partSize &&
      JSON.stringify(h.headers) === JSON.stringify(input.headers);
    if (same && h.source.etag !== input.source.etag) {
      await client.abortMultipartUpload(h.bucket, h.key, h.uploadId).catch(() => undefined);
      await store.remove();
      throw new ObjectChangedError(
        input.source.bucket,
        input.source.key,
        `oss://${input.source.bucket}/${input.source.key} changed since this copy began (ETag ${h.source.etag} -> ${input.source.etag}); ` +
          'the parts copied so far were discarded, so the copy never mixes two versions. Rerun to copy the new version',
      );
    }
    if (same) {
      const resumed = await reconcile(input, h.uploadId, loaded!.records);
      if (resumed) return resumed;
    } else {
      // Another copy (other options, other source) left this checkpoint: its parts would only be billed.
      await client.abortMultipartUpload(h.bucket, h.key, h.uploadId).catch(() => undefined);
    }
  }
  const { uploadId } = await client.initiateMultipartUpload(input.bucket, input.key, {
    ...input.initiate,
    signal: input.signal,
  });
  await store.start({
    kind: 'ossup-copy',
    version: COPY_CHECKPOINT_VERSION,
    endpoint: client.endpoint.url,
    bucket: input.bucket,
    key: input.key,
    uploadId,
    source: input.source,
    partSize: input.plan.partSize,
    partCount: input.plan.parts.length,
    headers: input.headers,
  });
  return { uploadId, done: new Map(), resumedBytes: 0 };
}

/**
 * The server is the truth: a part counts as done when ListParts shows it with the planned size and the ETag the
 * journal recorded (a part whose record was lost is copied again; that costs a request, not bytes).
 */
async function reconcile(
  input: CopySessionInput,
  uploadId: string,
  records: PartRecord[],
): Promise<CopySession | undefined> {
  let listed;
  try {
    listed = await input.client.listParts(input.bucket, input.key, uploadId, { signal: input.signal });
  } catch (err) {
    if (err instanceof ServiceError && err.code === 'NoSuchUpload') return undefined;
    throw err;
  }
  const recorded = new Map(records.filter((r) => r.kind === 'part').map((r) => [r.partNumber, r]));
  const planned = new Map(input.plan.parts.map((p) => [p.number, p]));
  const done = new Map<number, CopiedPart>();
  let resumedBytes = 0;
  for (const p of listed.parts) {
    const want = planned.get(p.partNumber);
    const rec = recorded.get(p.partNumber);
    if (!want || !rec || p.size !== want.size || p.etag !== rec.etag) continue;
    const crc = p.crc64 ?? (rec.crc64 ? parseCrc64(rec.crc64) : undefined);
    if (p.crc64 !== undefined && rec.crc64 && crc64ToDecimal(p.crc64) !== rec.crc64) continue;
    done.set(p.partNumber, {
      partNumber: p.partNumber,
      etag: p.etag,
      crc64: crc ?? 0n,
      crcKnown: crc !== undefined,
      size: p.size,
    });
    resumedBytes += p.size;
  }
  return { uploadId, done, resumedBytes };
}
