// --no-clobber / --ignore-existing for one object: what is already at the destination is left alone and said so
// (exit 0). An upload also sends x-oss-forbid-overwrite, so an object created between the check and the write is
// not replaced either.
import { stat } from 'node:fs/promises';
import { ServiceError } from '../../core/errors.js';
import { resolveDownloadTarget } from '../../transfer/index.js';
import { jsonLine } from '../json.js';
import { formatOssUrl, type OssUrl } from '../oss-url.js';
import type { Io, Session } from '../session.js';

const REASON = 'exists at the destination (ignore-existing)';

export interface SkipLine {
  op: 'upload' | 'download';
  file: string;
  dst: OssUrl;
  size: number;
  etag: string;
}

/** The object's ETag and size when it exists, undefined when it does not. */
export async function existingObject(
  session: Session,
  dst: OssUrl,
): Promise<{ etag: string; size: number } | undefined> {
  try {
    const head = await session.client.headObject(dst.bucket, dst.key);
    return { etag: head.etag, size: head.size };
  } catch (err) {
    if (err instanceof ServiceError && err.status === 404) return undefined;
    throw err;
  }
}

/** The local file a download of `src` to `dst` would write, when it already exists. */
export async function existingDownloadTarget(src: OssUrl, dst: string): Promise<string | undefined> {
  const file = await resolveDownloadTarget(dst, src.key).catch(() => undefined);
  if (!file) return undefined;
  const st = await stat(file).catch(() => undefined);
  return st?.isFile() ? file : undefined;
}

/** The skip, as one --json line (the cp fields plus action and reason) or one line for people. */
export function reportSkip(s: SkipLine, json: boolean | undefined, quiet: boolean | undefined, io: Io): void {
  if (json) {
    io.stdout.write(
      jsonLine({
        op: s.op,
        action: 'skip',
        reason: REASON,
        bucket: s.dst.bucket,
        key: s.dst.key,
        file: s.file,
        size: s.size,
        etag: s.etag,
        crc64: '',
        parts: 0,
        resumedBytes: 0,
        transferredBytes: 0,
        seconds: 0,
      }),
    );
  } else if (!quiet) {
    const where = s.op === 'upload' ? formatOssUrl(s.dst) : s.file;
    io.stdout.write(`skipped ${s.op === 'upload' ? s.file : formatOssUrl(s.dst)}: ${where} ${REASON}\n`);
  }
}
