// Reading checkpoints from outside the engine: which files exist, what progress they record, whether they are
// private (0600) and free of secrets.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJournal } from '../../src/transfer/checkpoint/journal.js';

/** Checkpoint-related files (.ucp/.dcp, their locks and temp files) in `dir`. */
export async function checkpointFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /\.(ucp|dcp)(\.|$)/.test(n)).map((n) => join(dir, n));
}

export interface JournalProgress {
  /** uploadId of an upload checkpoint. */
  uploadId?: string;
  /** Bytes of parts (ranges) the journal records as done. */
  bytes: number;
  records: number;
}

/** Progress recorded in a checkpoint file, or undefined when there is none or its header is unusable. */
export async function journalProgress(file: string): Promise<JournalProgress | undefined> {
  const data = await readFile(file).catch(() => undefined);
  if (!data) return undefined;
  const j = decodeJournal<Record<string, unknown>>(data);
  if (!j) return undefined;
  const [header, ...records] = j.records;
  const done = new Map<number, number>();
  for (const r of records) if (r && typeof r.partNumber === 'number') done.set(r.partNumber, Number(r.size) || 0);
  return {
    uploadId: typeof header?.uploadId === 'string' ? header.uploadId : undefined,
    bytes: [...done.values()].reduce((a, b) => a + b, 0),
    records: records.length,
  };
}

/** Bytes of the parts the server has stored for `uploadId` (its part records under the root). */
export async function serverPartBytes(root: string, bucket: string, uploadId: string): Promise<number> {
  const dir = join(root, 'buckets', bucket, 'uploads', uploadId, 'parts');
  let total = 0;
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (!f.endsWith('.json')) continue;
    try {
      total += Number((JSON.parse(await readFile(join(dir, f), 'utf8')) as { size: number }).size) || 0;
    } catch {
      /* a part record being renamed into place: not there yet */
    }
  }
  return total;
}

/** Open multipart uploads left on the server's disk for `bucket`. */
export async function openUploads(root: string, bucket: string): Promise<number> {
  return (await readdir(join(root, 'buckets', bucket, 'uploads')).catch(() => [] as string[])).length;
}

/** Part count of each open multipart upload of `bucket`, from the server's files. */
export async function openUploadParts(root: string, bucket: string): Promise<number[]> {
  const dir = join(root, 'buckets', bucket, 'uploads');
  const out: number[] = [];
  for (const id of await readdir(dir).catch(() => [] as string[])) {
    // Part blobs are named `<n>.<seq>....` (src/server/store/part-names.ts); a rewritten part may briefly have two.
    const names = await readdir(join(dir, id, 'blobs')).catch(() => [] as string[]);
    out.push(new Set(names.map((f) => /^(\d+)\./.exec(f)?.[1]).filter((n) => n !== undefined)).size);
  }
  return out;
}

/** Problems with a checkpoint file's privacy: mode other than 0600, or any of `secrets` in its bytes. */
export async function privacyProblems(file: string, secrets: string[]): Promise<string[]> {
  const problems: string[] = [];
  const st = await stat(file);
  if ((st.mode & 0o777) !== 0o600) problems.push(`mode ${(st.mode & 0o777).toString(8)} (want 600)`);
  const text = (await readFile(file)).toString('latin1');
  for (const s of secrets) if (s && text.includes(s)) problems.push(`holds the secret "${s.slice(0, 6)}..."`);
  return problems;
}
