import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { formatBytes } from '../size.js';
import { checkName } from './names.js';
import { shown } from '../shown.js';

export interface LsFlags extends CommonOptions {
  recursive?: boolean;
  versions?: boolean;
}

/** `ossup ls`: buckets with no URL; otherwise one level under the prefix (like `ls`), or everything with -r. */
export async function lsCommand(url: string | undefined, flags: LsFlags, io: Io): Promise<number> {
  if (url === undefined) {
    return withSession(flags, io, (s) =>
      doing('listing buckets', undefined, async () => {
        const res = await s.client.listBuckets();
        for (const b of res.buckets) {
          io.stdout.write(
            flags.json
              ? jsonLine({ bucket: b.name, created: b.creationDate ?? null, location: b.location ?? null })
              : `${formatDate(b.creationDate)}  oss://${b.name}\n`,
          );
        }
        // An empty listing reads as "did it work?"; JSON stays one object per bucket, so zero lines.
        if (res.buckets.length === 0 && !flags.json && !flags.quiet)
          io.stdout.write('no buckets (make one with: ossup mb oss://NAME)\n');
        return EXIT_OK;
      }),
    );
  }
  const { bucket, key: prefix } = parseOssUrl(url);
  checkName(bucket);
  if (flags.versions) return (await import('./ls-versions.js')).lsVersions(bucket, prefix, flags, io);
  return withSession(flags, io, (s) =>
    doing(`listing oss://${bucket}/${prefix}`, bucket, async () => {
      let count = 0;
      let bytes = 0;
      let marker: string | undefined;
      for (;;) {
        const page = await s.client.listObjects(bucket, {
          prefix,
          delimiter: flags.recursive ? undefined : '/',
          marker,
          maxKeys: 1000,
        });
        for (const p of page.prefixes) {
          io.stdout.write(
            flags.json
              ? jsonLine({ prefix: p })
              : `${''.padEnd(19)}  ${'DIR'.padStart(10)}  ${shown(`oss://${bucket}/${p}`)}\n`,
          );
        }
        for (const o of page.objects) {
          count++;
          bytes += o.size;
          io.stdout.write(
            flags.json
              ? jsonLine({
                  key: o.key,
                  size: o.size,
                  etag: o.etag,
                  lastModified: o.lastModified ?? null,
                  storageClass: o.storageClass ?? null,
                })
              : `${formatDate(o.lastModified)}  ${formatBytes(o.size).padStart(10)}  ${shown(`oss://${bucket}/${o.key}`)}\n`,
          );
        }
        if (!page.isTruncated) break;
        // A truncated page whose marker did not move would loop for ever; stop rather than hang.
        if (!page.nextMarker || page.nextMarker === marker) break;
        marker = page.nextMarker;
      }
      if (!flags.json && !flags.quiet)
        io.stdout.write(`${count} object${count === 1 ? '' : 's'}, ${formatBytes(bytes)}\n`);
      return EXIT_OK;
    }),
  );
}

/** `2026-11-21 19:27:03` (UTC) from an ISO date, or blanks when the server sent none. */
export function formatDate(iso: string | Date | undefined): string {
  if (!iso) return ''.padEnd(19);
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return ''.padEnd(19);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
