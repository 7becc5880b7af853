// The HTTP headers an upload stores with each object (served back on every GET): --cache-control,
// --content-encoding, --content-disposition, --expires. The multipart path sends them with InitiateMultipartUpload.
import type { Command } from 'commander';
import { UsageError } from './usage-error.js';

export interface HeaderFlags {
  cacheControl?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  expires?: string;
}

export function addHeaderOptions(cmd: Command): Command {
  return cmd
    .option('--cache-control <value>', 'uploads: Cache-Control to store, e.g. "max-age=3600"')
    .option(
      '--content-encoding <value>',
      'uploads: Content-Encoding to store, e.g. gzip (the bytes are sent as they are)',
    )
    .option(
      '--content-disposition <value>',
      'uploads: Content-Disposition to store, e.g. \'attachment; filename="a.pdf"\'',
    )
    .option('--expires <date>', 'uploads: Expires to store, an HTTP or ISO date, e.g. 2030-01-01T00:00:00Z');
}

/** The headers, lower-case names; undefined when none was given. A value with a line break or a bad date: exit 2. */
export function headerSettings(flags: HeaderFlags): Record<string, string> | undefined {
  const h: Record<string, string> = {};
  for (const [name, flag, value] of [
    ['cache-control', '--cache-control', flags.cacheControl],
    ['content-encoding', '--content-encoding', flags.contentEncoding],
    ['content-disposition', '--content-disposition', flags.contentDisposition],
  ] as const) {
    if (value === undefined) continue;
    // Anything outside visible ASCII, space and tab cannot go in a header (a line break would split the request).
    if (!/^[\t\x20-\x7e]*$/.test(value))
      throw new UsageError(`${flag} holds a character a header cannot carry`, 'use printable ASCII only');
    h[name] = value;
  }
  if (flags.expires !== undefined) {
    const ms = Date.parse(flags.expires);
    if (!Number.isFinite(ms))
      throw new UsageError(
        `--expires "${flags.expires}" is not a date`,
        'write an HTTP date (Wed, 01 Jan 2030 00:00:00 GMT) or an ISO one (2030-01-01T00:00:00Z)',
      );
    h.expires = new Date(ms).toUTCString();
  }
  return Object.keys(h).length > 0 ? h : undefined;
}
