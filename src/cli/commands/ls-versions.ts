import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import { withSession, type Io } from '../session.js';
import { formatBytes } from '../size.js';
import { formatDate } from '../format-date.js';
import type { LsFlags } from './ls.js';
import { shown } from '../shown.js';

/**
 * `ossup ls --versions oss://bucket[/prefix]`: every version and delete marker, newest first per key, with the
 * version id that `cp`/`stat`/`rm --version-id` take. One level under the prefix, or everything with -r.
 */
export function lsVersions(bucket: string, prefix: string, flags: LsFlags, io: Io): Promise<number> {
  return withSession(flags, io, (s) =>
    doing(`listing versions of oss://${bucket}/${prefix}`, bucket, async () => {
      let count = 0;
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const page = await s.client.listObjectVersions(bucket, {
          prefix,
          delimiter: flags.recursive ? undefined : '/',
          keyMarker,
          versionIdMarker,
          maxKeys: 1000,
        });
        for (const p of page.commonPrefixes) {
          io.stdout.write(
            flags.json
              ? jsonLine({ prefix: p })
              : `${''.padEnd(19)}  ${'DIR'.padStart(10)}  ${''.padEnd(8)}  ${shown(`oss://${bucket}/${p}`)}\n`,
          );
        }
        for (const v of page.versions) {
          count++;
          const state = v.deleteMarker ? 'deleted' : v.isLatest ? 'latest' : 'old';
          io.stdout.write(
            flags.json
              ? jsonLine({
                  key: v.key,
                  versionId: v.versionId,
                  isLatest: v.isLatest,
                  deleteMarker: v.deleteMarker,
                  size: v.deleteMarker ? null : v.size,
                  etag: v.deleteMarker ? null : v.etag,
                  lastModified: v.lastModified || null,
                })
              : `${formatDate(v.lastModified)}  ${(v.deleteMarker ? '-' : formatBytes(v.size)).padStart(10)}  ${state.padEnd(8)}  ${shown(`oss://${bucket}/${v.key}`)}  ${v.versionId}\n`,
          );
        }
        if (!page.isTruncated || !page.nextKeyMarker) break;
        // A page whose markers did not move would loop for ever; stop rather than hang.
        if (page.nextKeyMarker === keyMarker && page.nextVersionIdMarker === versionIdMarker) break;
        keyMarker = page.nextKeyMarker;
        versionIdMarker = page.nextVersionIdMarker;
      }
      if (!flags.json && !flags.quiet) io.stdout.write(`${count} version${count === 1 ? '' : 's'}\n`);
      return EXIT_OK;
    }),
  );
}
