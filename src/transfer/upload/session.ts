// Deciding where an upload starts: resume what a checkpoint and the server agree on, or start over. The server is
// the truth (ListParts), and the local file is re-read for every part before it is trusted, so a file rewritten
// with the same size and mtime never contributes stale parts to the object. That re-read is not done here: the
// parts the server lists are adopted provisionally and checked in the background (verify.ts) while the missing ones
// are sent, and Complete waits for the check, so a resume costs what is left rather than the whole file. Where the
// source's change mark (a file's settled ctime) is the one the upload started with, nothing has written to it since,
// and the parts the journal recorded are trusted without the re-read. The parts are laid out as the earlier run cut
// them: the header's part size, then each cut its journal recorded as its parts grew (grownLayout).
import { parseCrc64 } from '../../core/crc64.js';
import { ServiceError } from '../../core/errors.js';
import { MAX_PART_SIZE } from '../../core/limits.js';
import type { PartInfo } from '../../client/index.js';
import { bytesToHex } from '../engine/bytes.js';
import { combineCrc } from '../engine/engine.js';
import { regrowPlan, type PartPlan } from '../engine/plan.js';
import type { SourceIdentity } from '../engine/ports.js';
import { abortKilledInitiate, killedDuringInitiate, salvageDamaged, setAsideCheckpoint } from './stale.js';
import {
  READABLE_UPLOAD_VERSIONS,
  UPLOAD_CHECKPOINT_VERSION,
  type DonePart,
  type PartRecord,
  type SessionInput,
  type UnverifiedPart,
  type UploadCheckpointHeader,
  type UploadRecord,
  type UploadSession,
} from './types.js';

export function expectedHeader(input: SessionInput, uploadId: string): UploadCheckpointHeader {
  return {
    kind: 'ossup-upload',
    version: UPLOAD_CHECKPOINT_VERSION,
    endpoint: input.client.endpoint.url,
    bucket: input.bucket,
    key: input.key,
    uploadId,
    file: input.file,
    partSize: input.plan.partSize,
    partCount: input.plan.parts.length,
    ...(input.source.changeMark !== undefined ? { mark: input.source.changeMark } : {}),
  };
}

/** Why `h` cannot drive this upload, or undefined when it can. */
export function headerMismatch(
  h: Partial<UploadCheckpointHeader> | undefined,
  input: Pick<SessionInput, 'client' | 'bucket' | 'key' | 'file' | 'plan'> & Partial<SessionInput>,
): string | undefined {
  if (!h || typeof h !== 'object' || h.kind !== 'ossup-upload') return 'not an upload checkpoint';
  if (!READABLE_UPLOAD_VERSIONS.includes(h.version as number)) return `checkpoint version ${String(h.version)}`;
  if (typeof h.uploadId !== 'string' || !h.uploadId) return 'no upload ID';
  if (h.endpoint !== input.client.endpoint.url) return 'another endpoint';
  if (h.bucket !== input.bucket) return 'another bucket';
  if (h.key !== input.key) return 'another key';
  if (!h.file || !sameIdentity(h.file, input.file)) return 'another file (path, size, mtime or inode differ)';
  if (h.partSize !== input.plan.partSize || h.partCount !== input.plan.parts.length) return 'another part size';
  return undefined;
}

/** Every field equal, none added or missing. */
function sameIdentity(a: SourceIdentity, b: SourceIdentity): boolean {
  const keys = Object.keys(b);
  return typeof a === 'object' && Object.keys(a).length === keys.length && keys.every((k) => a[k] === b[k]);
}

function isNoSuchUpload(err: unknown): boolean {
  return err instanceof ServiceError && err.code === 'NoSuchUpload';
}

export async function openSession(input: SessionInput): Promise<UploadSession> {
  const loaded = await input.store.load();
  let discarded: string | undefined;
  if (loaded && killedDuringInitiate(loaded.header, input)) {
    await abortKilledInitiate(input, loaded.header.initiating!);
    discarded = 'an earlier run stopped during InitiateMultipartUpload';
  } else if (loaded) {
    const layout = grownLayout(input.plan, loaded.records);
    const why =
      headerMismatch(loaded.header, input) ?? (layout ? undefined : 'a part layout no run of this upload made');
    if (!why && layout) {
      const resuming = { ...input, plan: layout };
      // A checkpoint another user could have written (forged to name another upload of this key) is never trusted.
      const trusted =
        loaded.ours === true && input.source.changeMark !== undefined && loaded.header.mark === input.source.changeMark;
      const resumed = await reconcile(resuming, loaded.header.uploadId, loaded.records, trusted);
      if (resumed) return resumed;
      const finished = await alreadyCompleted(resuming, loaded.header.uploadId, loaded.records);
      if (finished) return finished;
      discarded = 'the upload ID no longer exists on the server';
    } else {
      discarded = why;
      await setAsideCheckpoint(input.client, input, loaded.header, input.warn, input.store.location);
    }
  }
  if (!loaded && input.store.unreadable) discarded = await salvageDamaged(input, input.store.unreadable);
  // Recorded before the request, so a run killed before the ID is written can find the upload (abortKilledInitiate).
  await input.store.start({ ...expectedHeader(input, ''), initiating: Date.now() });
  const init = await input.client.initiateMultipartUpload(input.bucket, input.key, {
    ...input.initiate,
    signal: input.signal,
  });
  await input.store.start(expectedHeader(input, init.uploadId));
  return {
    uploadId: init.uploadId,
    done: new Map(),
    unverified: [],
    resumedBytes: 0,
    discarded,
    layout: input.plan,
    fresh: true,
  };
}

/**
 * The parts as an earlier run laid them out: `plan` (at the header's part size) cut again at each GrowRecord, in
 * order. Undefined when a cut is one no run of this upload could have made (a checkpoint is untrusted input): one
 * behind an earlier cut or past the last part, or not larger than the parts before it.
 */
export function grownLayout(plan: PartPlan, records: readonly UploadRecord[]): PartPlan | undefined {
  let layout = plan;
  let [after, size] = [0, plan.partSize];
  for (const r of records) {
    if (r?.kind !== 'grow') continue;
    const cutOk = Number.isSafeInteger(r.after) && r.after >= after && r.after < layout.parts.length;
    if (!cutOk || !Number.isSafeInteger(r.partSize) || r.partSize <= size || r.partSize > MAX_PART_SIZE)
      return undefined;
    layout = regrowPlan(layout, r.after, r.partSize);
    [after, size] = [r.after, r.partSize];
  }
  return layout;
}

/**
 * Adopt a part only if the server lists it with the planned size and, when the journal recorded it, with the same
 * ETag and a CRC-64 that agrees with the server's. Its local bytes are checked later (verify.ts): against the CRC-64
 * the server lists (or the journal recorded), else against the MD5 that is its ETag. `trusted` (the source's change
 * mark is the one the upload started with: nothing wrote to it since) skips that check for the parts the journal
 * recorded, whose CRC-64 was compared with the server's when they were sent; a part the journal missed (the run was
 * killed between its response and the record) is re-read all the same.
 * Returns undefined when the upload ID has vanished (NoSuchUpload).
 */
async function reconcile(
  input: SessionInput,
  uploadId: string,
  records: UploadRecord[],
  trusted: boolean,
): Promise<UploadSession | undefined> {
  let listed: PartInfo[];
  try {
    listed = (await input.client.listParts(input.bucket, input.key, uploadId, { signal: input.signal })).parts;
  } catch (err) {
    if (isNoSuchUpload(err)) return undefined;
    throw err;
  }
  const journal = new Map<number, PartRecord>();
  for (const r of records) if (r?.kind === 'part') journal.set(r.partNumber, r);
  const server = new Map(listed.map((p) => [p.partNumber, p]));
  const done = new Map<number, DonePart>();
  const unverified: UnverifiedPart[] = [];
  let resumedBytes = 0;
  for (const planned of input.plan.parts) {
    const onServer = server.get(planned.number);
    if (!onServer || onServer.size !== planned.size) continue;
    const recorded = journal.get(planned.number);
    if (recorded && (recorded.etag !== onServer.etag || recorded.size !== planned.size)) continue;
    const recordedCrc = recorded ? safeParse(recorded.crc64) : undefined;
    if (recorded && recordedCrc === undefined) continue;
    if (onServer.crc64 !== undefined && recordedCrc !== undefined && onServer.crc64 !== recordedCrc) continue;
    const crc64 = onServer.crc64 ?? recordedCrc;
    // Without a CRC-64 to go by, the part's CRC is known only once verify.ts has read it (it fills it in).
    done.set(planned.number, {
      partNumber: planned.number,
      etag: onServer.etag,
      crc64: crc64 ?? 0n,
      size: planned.size,
    });
    resumedBytes += planned.size;
    if (trusted && recordedCrc !== undefined) continue;
    unverified.push({
      partNumber: planned.number,
      start: planned.start,
      size: planned.size,
      etag: onServer.etag,
      crc64,
      unrecorded: !recorded,
    });
  }
  return { uploadId, done, unverified, resumedBytes, layout: input.plan, fresh: false };
}

function safeParse(decimal: unknown): bigint | undefined {
  try {
    return typeof decimal === 'string' ? parseCrc64(decimal) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The upload ID is gone. If the journal holds every planned part, the likeliest reason is that the last run's
 * Complete succeeded and the process died before deleting the checkpoint. The object is accepted as this file only
 * when all of these hold: its ETag is the multipart ETag of exactly the journaled parts (MD5 of their MD5s, so the
 * same parts in the same order), its size and CRC-64 are the combination of the journaled parts', and every part
 * re-read from the local file still has its journaled CRC-64 and MD5. Anything less and the upload starts over.
 */
async function alreadyCompleted(
  input: SessionInput,
  uploadId: string,
  records: UploadRecord[],
): Promise<UploadSession | undefined> {
  const journal = new Map<number, PartRecord>();
  for (const r of records) if (r?.kind === 'part') journal.set(r.partNumber, r);
  const parts = input.plan.parts.map((p) => journal.get(p.number));
  if (parts.some((r, i) => !r || r.size !== input.plan.parts[i]?.size || safeParse(r.crc64) === undefined))
    return undefined;
  const recorded = parts as PartRecord[];
  const crc = combineCrc(recorded.map((r) => ({ partNumber: r.partNumber, size: r.size, crc64: safeParse(r.crc64)! })));
  if (!input.multipartEtag) return undefined;
  let etag: string;
  try {
    etag = input.multipartEtag(recorded.map((r) => r.etag));
  } catch {
    return undefined;
  }
  const head = await input.client
    .headObject(input.bucket, input.key, { signal: input.signal })
    .catch((err: unknown) => {
      if (err instanceof ServiceError && err.status === 404) return undefined;
      throw err;
    });
  if (!head || head.etag !== etag || head.size !== input.source.size || head.crc64 !== crc) return undefined;
  const done = new Map<number, DonePart>();
  input.onVerify?.(0, input.plan.parts.length);
  for (const [i, planned] of input.plan.parts.entries()) {
    const local = await input.source.read(planned, { discard: true, signal: input.signal });
    input.onVerify?.(i + 1, input.plan.parts.length);
    const r = recorded[i]!;
    if (local.crc64 !== safeParse(r.crc64) || bytesToHex(local.md5) !== r.etag) return undefined;
    done.set(planned.number, { partNumber: planned.number, etag: r.etag, crc64: local.crc64, size: planned.size });
  }
  return {
    uploadId,
    done,
    unverified: [],
    resumedBytes: input.source.size ?? 0,
    completed: { etag: head.etag, crc64: crc },
    layout: input.plan,
    fresh: false,
  };
}
