import { UsageError } from './usage-error.js';

/** A parsed `oss://bucket/key` argument. `key` is '' for a bucket (or a bucket with a trailing slash). */
export interface OssUrl {
  bucket: string;
  key: string;
}

/** `cp` with `-` (standard input or output) on one side: a stream, one object, never a tree. */
export function isStreamCp(src: string, dst: string): boolean {
  return src === '-' || dst === '-';
}

export function isOssUrl(text: string): boolean {
  return /^oss:\/\//i.test(text);
}

/**
 * Parses `oss://bucket[/key]`. The key is kept byte for byte (no normalisation of `//` or `..`): it is the
 * object's name, not a path, and the server decides which names it accepts.
 */
export function parseOssUrl(text: string): OssUrl {
  const m = /^oss:\/\/([^/]*)(?:\/(.*))?$/is.exec(text);
  if (!m) throw new UsageError(`"${text}" is not an OSS URL; write oss://bucket/key`);
  const bucket = m[1]!;
  if (bucket === '') throw new UsageError(`"${text}" has no bucket name; write oss://bucket/key`);
  return { bucket, key: m[2] ?? '' };
}

export function formatOssUrl(u: OssUrl): string {
  return `oss://${u.bucket}/${u.key}`;
}
