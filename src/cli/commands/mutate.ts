import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { formatOssUrl, parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';

function bucketOnly(url: string, verb: string): string {
  const { bucket, key } = parseOssUrl(url);
  if (key !== '') throw new UsageError(`${verb} takes a bucket (oss://bucket), not "${url}"`);
  checkName(bucket);
  return bucket;
}

function done(io: Io, flags: CommonOptions, json: object, text: string): number {
  if (flags.json) io.stdout.write(jsonLine(json));
  else if (!flags.quiet) io.stdout.write(`${text}\n`);
  return EXIT_OK;
}

/** `ossup rm oss://bucket/key`: one object; OSS answers success for a key that does not exist. */
export async function rmCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const target = parseOssUrl(url);
  if (target.key === '') throw new UsageError(`"${url}" names a bucket; rm deletes one object (oss://bucket/key), rb removes a bucket`);
  checkName(target.bucket, target.key);
  return withSession(flags, io, (s) =>
    doing(`removing ${formatOssUrl(target)}`, target.bucket, async () => {
      await s.client.deleteObject(target.bucket, target.key);
      return done(io, flags, { removed: formatOssUrl(target) }, `removed ${formatOssUrl(target)}`);
    }));
}

export async function mbCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const bucket = bucketOnly(url, 'mb');
  return withSession(flags, io, (s) =>
    doing(`making bucket oss://${bucket}`, undefined, async () => {
      await s.client.putBucket(bucket);
      return done(io, flags, { bucket, created: true }, `made bucket oss://${bucket}`);
    }));
}

export async function rbCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const bucket = bucketOnly(url, 'rb');
  return withSession(flags, io, (s) =>
    doing(`removing bucket oss://${bucket}`, bucket, async () => {
      await s.client.deleteBucket(bucket);
      return done(io, flags, { bucket, removed: true }, `removed bucket oss://${bucket}`);
    }));
}
