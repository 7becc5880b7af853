import { USER_META_PREFIX } from '../../core/dialect.js';
import { ServiceError } from '../../core/errors.js';
import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { formatOssUrl, parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { formatBytes } from '../size.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';
import { MTIME_META } from '../../transfer/tree/index.js';
import { formatDate } from '../format-date.js';
import { shown } from '../shown.js';

/** `--version-id` of stat and rm: one version of the object instead of the latest. */
export interface VersionFlag {
  versionId?: string;
}

/** `ossup stat oss://bucket/key`: what HeadObject says, CRC-64 as a decimal string (it does not fit a JSON number). */
export async function statCommand(url: string, flags: CommonOptions & VersionFlag, io: Io): Promise<number> {
  const target = parseOssUrl(url);
  if (target.key === '') throw new UsageError(`"${url}" names a bucket; stat needs oss://bucket/key`);
  checkName(target.bucket, target.key);
  return withSession(flags, io, (s) =>
    doing(`stat of ${formatOssUrl(target)}`, target.bucket, async () => {
      const version = { versionId: flags.versionId };
      const h = await s.client.headObject(target.bucket, target.key, version);
      // Tags and ACL need their own permissions on real OSS: a refusal shows as null, not as a failed stat.
      const [tagging, acl] = await Promise.all([
        s.client.getObjectTagging(target.bucket, target.key, version).then((r) => r.tags, orNull),
        s.client.getObjectAcl(target.bucket, target.key, version).then((r) => r.acl, orNull),
      ]);
      const info = {
        bucket: target.bucket,
        key: target.key,
        size: h.size,
        etag: h.etag,
        crc64: h.crc64 === undefined ? null : h.crc64.toString(),
        lastModified: h.lastModified ? h.lastModified.toISOString() : null,
        contentType: h.contentType ?? null,
        objectType: h.objectType ?? null,
        storageClass: h.storageClass ?? null,
        meta: h.meta,
        acl,
        tags: tagging,
        versionId: h.versionId ?? null,
      };
      if (flags.json) {
        io.stdout.write(jsonLine(info));
        return EXIT_OK;
      }
      const rows: Array<[string, string]> = [
        ['Object', formatOssUrl(target)],
        ['Size', `${h.size} (${formatBytes(h.size)})`],
        ['Last-Modified', formatDate(h.lastModified)],
        ['ETag', h.etag],
        ['CRC-64', info.crc64 ?? '-'],
        ['Content-Type', info.contentType ?? '-'],
        ['Object-Type', info.objectType ?? '-'],
        ['Storage-Class', info.storageClass ?? '-'],
        ...(h.versionId !== undefined ? [['Version-Id', h.versionId] as [string, string]] : []),
        ['ACL', acl ?? '-'],
        [
          'Tags',
          tagging === null
            ? '-'
            : Object.entries(tagging)
                .map(([k, v]) => `${k}=${v}`)
                .join('&') || '(none)',
        ],
        ...Object.entries(h.meta).map(([k, v]): [string, string] => [
          `${USER_META_PREFIX}${k}`,
          // The file mtime trees and cp record (Unix seconds): the date beside the raw value.
          k === MTIME_META && /^\d+(\.\d+)?$/.test(v) ? `${v} (${new Date(Number(v) * 1000).toISOString()})` : v,
        ]),
      ];
      for (const [k, v] of rows) io.stdout.write(`${`${shown(k)}:`.padEnd(15)}${shown(v)}\n`);
      return EXIT_OK;
    }),
  );
}

/** A service refusal (AccessDenied, NotImplemented from another server) of an optional lookup. */
function orNull(err: unknown): null {
  if (err instanceof ServiceError) return null;
  throw err;
}
