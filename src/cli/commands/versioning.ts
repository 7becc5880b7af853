import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { UsageError } from '../usage-error.js';
import { checkName } from './names.js';

const ACTIONS = { enable: 'Enabled', suspend: 'Suspended' } as const;

/**
 * `ossup versioning oss://bucket [enable|suspend]`: with no action, print the bucket's versioning state
 * (Enabled, Suspended, or off: never versioned). A bucket once versioned can be suspended, never turned off.
 */
export async function versioningCommand(
  url: string,
  action: string | undefined,
  flags: CommonOptions,
  io: Io,
): Promise<number> {
  const { bucket, key } = parseOssUrl(url);
  if (key !== '') throw new UsageError(`versioning takes a bucket (oss://bucket), not "${url}"`);
  checkName(bucket);
  if (action !== undefined && !(action in ACTIONS))
    throw new UsageError(`unknown versioning action "${action}"`, 'write enable, suspend, or nothing to see the state');
  return withSession(flags, io, (s) =>
    doing(`versioning of oss://${bucket}`, bucket, async () => {
      if (action !== undefined) await s.client.putBucketVersioning(bucket, ACTIONS[action as keyof typeof ACTIONS]);
      const state = (await s.client.getBucketVersioning(bucket)).versioning;
      if (flags.json) io.stdout.write(jsonLine({ bucket, versioning: state ?? null }));
      else if (!flags.quiet) io.stdout.write(`oss://${bucket}: versioning ${state ?? 'off (never enabled)'}\n`);
      return EXIT_OK;
    }),
  );
}
