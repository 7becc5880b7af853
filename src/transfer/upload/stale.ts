// Walking away from an upload checkpoint that cannot drive this upload: one naming another target (left alone, with
// a warning), one of a run killed during InitiateMultipartUpload (its empty upload found and aborted), one too
// damaged to read (its upload aborted when what can be read names this very target).
import { abortQuietly } from '../engine/multipart.js';
import type { TransferClient } from '../engine/ports.js';
import type { SessionInput, UploadCheckpointHeader } from './types.js';

/**
 * Walks away from a checkpoint that cannot drive this upload. A checkpoint file is untrusted input (stale, moved,
 * forged): its upload is aborted only when it is an upload of the very target being uploaded now, which this run
 * replaces anyway. One that names another endpoint, bucket or key is left alone, with a warning.
 */
export async function setAsideCheckpoint(
  client: TransferClient,
  target: { bucket: string; key: string },
  h: Partial<UploadCheckpointHeader> | undefined,
  warn: ((message: string) => void) | undefined,
  location: string,
): Promise<void> {
  if (h?.kind !== 'ossup-upload' || typeof h.uploadId !== 'string' || h.uploadId === '') return;
  if (h.endpoint === client.endpoint.url && h.bucket === target.bucket && h.key === target.key) {
    await abortQuietly(client, h.bucket, h.key, h.uploadId);
    return;
  }
  warn?.(
    `checkpoint ${location} names upload ${h.uploadId} of ${String(h.bucket)}/${String(h.key)} at ${String(h.endpoint)}, not this target; ` +
      'it was discarded and that upload left untouched',
  );
}

/** A killed run's Initiate is looked for among uploads initiated this close to when it was sent (covers clock skew). */
const INITIATE_WINDOW_MS = 15 * 60 * 1000;

/**
 * An earlier run was killed between sending InitiateMultipartUpload and recording the upload ID. The upload it made
 * (if the request arrived) is an upload of this key, initiated around `sentAt`, holding no parts (parts are sent
 * only once the ID is recorded): abort those. Another client's brand-new upload of the same key in the same window
 * is indistinguishable; it would see NoSuchUpload and start over.
 */
export async function abortKilledInitiate(input: SessionInput, sentAt: number): Promise<void> {
  for await (const u of input.client.listMultipartUploadsAll(input.bucket, {
    prefix: input.key,
    signal: input.signal,
  })) {
    if (u.key !== input.key || u.initiated === undefined) continue;
    const at = Date.parse(u.initiated);
    if (!(Math.abs(at - sentAt) <= INITIATE_WINDOW_MS)) continue;
    const parts = await input.client
      .listParts(input.bucket, input.key, u.uploadId, { signal: input.signal })
      .catch(() => undefined);
    if (parts && parts.parts.length === 0) await abortQuietly(input.client, input.bucket, input.key, u.uploadId);
  }
}

export function killedDuringInitiate(
  h: Partial<UploadCheckpointHeader> | undefined,
  input: SessionInput,
): h is UploadCheckpointHeader {
  return (
    h?.kind === 'ossup-upload' &&
    h.uploadId === '' &&
    typeof h.initiating === 'number' &&
    h.endpoint === input.client.endpoint.url &&
    h.bucket === input.bucket &&
    h.key === input.key
  );
}

/**
 * A checkpoint whose header cannot be read still names its upload in plain JSON text, unless the damage fell there.
 * When what can be read names this very target (endpoint, bucket and key), that upload is aborted: nothing can
 * resume it any more, and its parts would otherwise stay on the server, billed, until someone runs `ossup abort`.
 * An upload of another target, or one that cannot be read, is left alone and the reason says where to look.
 */
export async function salvageDamaged(input: SessionInput, raw: Uint8Array): Promise<string> {
  const text = new TextDecoder().decode(raw);
  const field = (name: string) => new RegExp(`"${name}":"((?:[^"\\\\]|\\\\.)*)"`).exec(text)?.[1];
  const json = (s: string | undefined) => {
    try {
      return s === undefined ? undefined : (JSON.parse(`"${s}"`) as string);
    } catch {
      return undefined;
    }
  };
  const [uploadId, endpoint, bucket, key] = ['uploadId', 'endpoint', 'bucket', 'key'].map((n) => json(field(n)));
  const damaged = `the checkpoint ${input.store.location} is damaged (its header cannot be read)`;
  if (uploadId && endpoint === input.client.endpoint.url && bucket === input.bucket && key === input.key) {
    await abortQuietly(input.client, input.bucket, input.key, uploadId);
    return `${damaged}; its upload ${uploadId} was aborted`;
  }
  return `${damaged}; if it held an upload, ossup uploads oss://${input.bucket}/${input.key} lists it`;
}
