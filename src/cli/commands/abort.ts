import { join } from 'node:path';
import { ossupHome } from '../config.js';
import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { formatOssUrl, parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { formatAge, parseDuration } from '../size.js';
import { UsageError } from '../usage-error.js';
import { removeCheckpointsOf } from './abort-checkpoints.js';
import { checkName } from './names.js';

/** Where `cp` keeps checkpoints by default: those of aborted uploads are removed from there. */
function checkpointDir(io: Io): string {
  return join(ossupHome(io.env), 'checkpoints');
}

export interface AbortFlags extends CommonOptions {
  uploadId?: string;
  allOlderThan?: string;
}

/**
 * `ossup abort`: give up multipart uploads on the server (their parts are deleted). One by id, or every upload
 * under a prefix older than an age: the way to clean up after runs whose checkpoints were lost.
 */
export async function abortCommand(url: string, flags: AbortFlags, io: Io): Promise<number> {
  const target = parseOssUrl(url);
  checkName(target.bucket, target.key);
  if ((flags.uploadId === undefined) === (flags.allOlderThan === undefined)) {
    throw new UsageError(
      'give either --upload-id ID (with oss://bucket/key) or --all-older-than AGE (with oss://bucket[/prefix])',
      'ossup uploads oss://bucket lists the incomplete uploads and their ids',
    );
  }
  if (flags.uploadId !== undefined) {
    if (target.key === '') throw new UsageError('--upload-id needs the object: oss://bucket/key');
    const uploadId = flags.uploadId;
    return withSession(flags, io, (s) =>
      doing(`aborting upload ${uploadId} of ${formatOssUrl(target)}`, target.bucket, async () => {
        await s.client.abortMultipartUpload(target.bucket, target.key, uploadId);
        await removeCheckpointsOf(checkpointDir(io), target.bucket, new Set([uploadId]));
        if (flags.json) io.stdout.write(jsonLine({ key: target.key, uploadId, aborted: true }));
        else if (!flags.quiet) io.stdout.write(`aborted upload ${uploadId} of ${formatOssUrl(target)}\n`);
        return EXIT_OK;
      }),
    );
  }
  const maxAgeMs = parseDuration(flags.allOlderThan!);
  return withSession(flags, io, (s) =>
    doing(`aborting old uploads in ${formatOssUrl(target)}`, target.bucket, async () => {
      const now = Date.now();
      const victims: Array<{ key: string; uploadId: string; ageMs: number }> = [];
      // Collect first, abort after: aborting while paging would move the listing under our feet.
      for await (const u of s.client.listMultipartUploadsAll(target.bucket, { prefix: target.key })) {
        const t = u.initiated ? Date.parse(u.initiated) : NaN;
        if (!Number.isNaN(t) && now - t >= maxAgeMs) victims.push({ key: u.key, uploadId: u.uploadId, ageMs: now - t });
      }
      for (const v of victims) {
        await s.client.abortMultipartUpload(target.bucket, v.key, v.uploadId);
        if (flags.json) io.stdout.write(jsonLine({ key: v.key, uploadId: v.uploadId, aborted: true }));
        else if (!flags.quiet)
          io.stdout.write(
            `aborted upload ${v.uploadId} of oss://${target.bucket}/${v.key} (${formatAge(v.ageMs)} old)\n`,
          );
      }
      await removeCheckpointsOf(checkpointDir(io), target.bucket, new Set(victims.map((v) => v.uploadId)));
      if (!flags.json && !flags.quiet)
        io.stdout.write(`${victims.length} upload${victims.length === 1 ? '' : 's'} aborted\n`);
      return EXIT_OK;
    }),
  );
}
