import { MAX_PRESIGN_V4_SECONDS } from '../../client/presign.js';
import { resolveTarget } from '../config.js';
import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { formatOssUrl, parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { ParseError, parseDuration } from '../size.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';

export interface SignFlags extends CommonOptions {
  expires: string;
  method: 'GET' | 'PUT';
  contentType?: string;
}

/** Seconds of validity from `--expires` (a duration: 90s, 30m, 12h, 7d), checked against the signature's maximum. */
export function expiresSeconds(text: string, version: 'v1' | 'v4'): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    if (err instanceof ParseError) throw new UsageError(`--expires: ${err.message}`);
    throw err;
  }
  const seconds = ms / 1000;
  if (seconds < 1) throw new UsageError(`--expires ${text} is too short: a signed URL lives at least 1s`);
  if (version === 'v4' && seconds > MAX_PRESIGN_V4_SECONDS) {
    throw new UsageError(
      `--expires ${text} is longer than 7d, the most a V4 signature allows`,
      'give --expires 7d or less (or --signature v1, which OSS accepts with any expiry)',
    );
  }
  return seconds;
}

/**
 * `ossup sign oss://bucket/key`: a presigned URL that plain HTTP (curl, a browser) can use until it expires. Signing
 * is local: nothing is sent to OSS, so the object need not exist yet (a PUT URL is how someone else uploads it).
 */
export async function signCommand(url: string, flags: SignFlags, io: Io): Promise<number> {
  const target = parseOssUrl(url);
  if (target.key === '' || target.key.endsWith('/'))
    throw new UsageError(`"${url}" names no object; write oss://bucket/key`);
  checkName(target.bucket, target.key);
  const version = flags.signature ?? 'v4';
  const seconds = expiresSeconds(flags.expires, version);
  if (flags.contentType !== undefined && flags.method !== 'PUT')
    throw new UsageError('--content-type applies to --method PUT');
  if (resolveTarget(flags, io.env).kind === 'embedded') {
    throw new UsageError(
      'no endpoint configured: the embedded server runs only while a command runs, so a URL signed for it would not work',
      `start \`ossup serve\` in another terminal (it serves the same data and keeps its keys), then: ossup sign --endpoint http://127.0.0.1:9000 ${url}`,
    );
  }
  return withSession(flags, io, (s) =>
    doing(`signing ${formatOssUrl(target)}`, target.bucket, async () => {
      const signed = await s.client.presignUrl(flags.method, target.bucket, target.key, {
        expiresSeconds: seconds,
        signatureVersion: version,
        headers: flags.contentType !== undefined ? { 'content-type': flags.contentType } : undefined,
      });
      if (flags.json) {
        io.stdout.write(
          jsonLine({
            url: signed,
            method: flags.method,
            bucket: target.bucket,
            key: target.key,
            signature: version,
            expires: new Date(Date.now() + seconds * 1000).toISOString(),
          }),
        );
      } else {
        io.stdout.write(`${signed}\n`);
      }
      return EXIT_OK;
    }),
  );
}
