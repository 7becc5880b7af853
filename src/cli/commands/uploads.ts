import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { formatAge, formatBytes } from '../size.js';
import { checkName } from './names.js';
import { shown } from '../shown.js';

/**
 * `ossup uploads oss://bucket[/prefix]`: incomplete multipart uploads with their age, parts and bytes, so orphans
 * (uploads whose checkpoint is gone) can be seen before `ossup abort` removes them. Their parts cost storage.
 */
export async function uploadsCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const { bucket, key: prefix } = parseOssUrl(url);
  checkName(bucket);
  return withSession(flags, io, (s) =>
    doing(`listing uploads in oss://${bucket}/${prefix}`, bucket, async () => {
      const now = Date.now();
      let count = 0;
      for await (const u of s.client.listMultipartUploadsAll(bucket, { prefix })) {
        count++;
        const parts = await s.client.listParts(bucket, u.key, u.uploadId);
        const bytes = parts.parts.reduce((sum, p) => sum + p.size, 0);
        const initiated = u.initiated ? new Date(u.initiated) : undefined;
        const age = initiated && !Number.isNaN(initiated.getTime()) ? formatAge(now - initiated.getTime()) : '?';
        io.stdout.write(
          flags.json
            ? jsonLine({
                key: u.key,
                uploadId: u.uploadId,
                initiated: u.initiated ?? null,
                parts: parts.parts.length,
                bytes,
              })
            : `${age.padStart(5)}  ${String(parts.parts.length).padStart(5)} parts  ${formatBytes(bytes).padStart(10)}  ${u.uploadId}  ${shown(`oss://${bucket}/${u.key}`)}\n`,
        );
      }
      if (!flags.json && !flags.quiet) io.stdout.write(`${count} incomplete upload${count === 1 ? '' : 's'}\n`);
      return EXIT_OK;
    }),
  );
}
