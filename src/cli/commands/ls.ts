import { compareUtf8 } from '../../core/key-order.js';
import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import { wholeNumberFlag, type CommonOptions } from '../options.js';
import { parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { formatBytes } from '../size.js';
import { formatDate } from '../format-date.js';
import { checkName } from './names.js';
import { shown } from '../shown.js';

export interface LsFlags extends CommonOptions {
  recursive?: boolean;
  /** -l: a storage-class column (ossutil's ls columns). */
  long?: boolean;
  /** --limit N: stop after N entries. */
  limit?: string;
  /** --versions: every version and delete marker (ListObjectVersions). */
  versions?: boolean;
}

/** The storage-class column of `ls -l`: wide enough for DeepColdArchive. */
const CLASS_WIDTH = 15;

/** `ossup ls`: buckets with no URL; otherwise one level under the prefix (like `ls`), or everything with -r. */
export async function lsCommand(url: string | undefined, flags: LsFlags, io: Io): Promise<number> {
  const limit =
    flags.limit === undefined
      ? Number.POSITIVE_INFINITY
      : wholeNumberFlag('--limit', flags.limit, 1, undefined, 'entries');
  const more = (n: number) =>
    !flags.json && !flags.quiet ? io.stdout.write(`(stopped at --limit ${n}; there are more)\n`) : undefined;
  if (url === undefined) {
    return withSession(flags, io, (s) =>
      doing('listing buckets', undefined, async () => {
        const res = await s.client.listBuckets();
        for (const b of res.buckets.slice(0, limit)) {
          io.stdout.write(
            flags.json
              ? jsonLine({ bucket: b.name, created: b.creationDate ?? null, location: b.location ?? null })
              : `${formatDate(b.creationDate)}  oss://${b.name}\n`,
          );
        }
        // An empty listing reads as "did it work?"; JSON stays one object per bucket, so zero lines.
        if (res.buckets.length === 0 && !flags.json && !flags.quiet)
          io.stdout.write('no buckets (make one with: ossup mb oss://NAME)\n');
        if (res.buckets.length > limit) more(limit);
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
      let listed = 0;
      let marker: string | undefined;
      const cls = (c: string | undefined) => (flags.long ? `${(c ?? '').padEnd(CLASS_WIDTH)}  ` : '');
      for (;;) {
        const page = await s.client.listObjects(bucket, {
          prefix,
          delimiter: flags.recursive ? undefined : '/',
          marker,
          // With --limit, no page larger than needed to show the limit and see whether more exist.
          maxKeys: Math.min(1000, limit - listed + 1),
        });
        // A page lists objects and prefixes apart; in key order they interleave, as the shown entries must.
        const entries = [
          ...page.prefixes.map((p) => ({ key: p, prefix: true as const })),
          ...page.objects.map((o) => ({ ...o, prefix: false as const })),
        ].sort((a, b) => compareUtf8(a.key, b.key));
        for (const o of entries) {
          if (listed >= limit) {
            more(limit);
            return EXIT_OK;
          }
          listed++;
          if (o.prefix) {
            io.stdout.write(
              flags.json
                ? jsonLine({ prefix: o.key })
                : `${''.padEnd(19)}  ${'DIR'.padStart(10)}  ${cls('')}${shown(`oss://${bucket}/${o.key}`)}\n`,
            );
            continue;
          }
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
              : `${formatDate(o.lastModified)}  ${formatBytes(o.size).padStart(10)}  ${cls(o.storageClass)}${shown(`oss://${bucket}/${o.key}`)}\n`,
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
