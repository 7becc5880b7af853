// `cp -r oss://a/p/ oss://b/q/` and `sync oss://a/p/ oss://b/q/`: the checks of a tree copied between two prefixes
// on the server (no object byte passes through ossup). The run itself is the one tree run of tree.ts.
import { folderPrefix } from '../../transfer/tree/listing.js';
import { formatOssUrl, parseOssUrl, type OssUrl } from '../oss-url.js';
import { UsageError } from '../usage-error.js';
import type { CpFlags } from '../options.js';
import type { TreeFlags } from '../tree-options.js';
import { checkName } from './names.js';

type TreeCommandFlags = CpFlags & TreeFlags;

/** Flags that describe bytes sent or local files: a server-side copy has neither. */
const NOT_FOR_COPY: Array<[keyof TreeCommandFlags, string, string]> = [
  ['meta', '--meta', 'a copy keeps the source metadata'],
  ['contentType', '--content-type', 'a copy keeps the source Content-Type'],
  ['tagging', '--tagging', 'tags are not copied into a tree copy'],
  ['trafficLimit', '--traffic-limit', 'no bytes pass through ossup'],
  ['contentMd5', '--content-md5', 'no bytes pass through ossup'],
  ['followSymlinks', '--follow-symlinks', 'there is no local directory'],
];

export interface CopyPlan {
  source: OssUrl;
  remote: OssUrl;
}

/** Both prefixes as folders ('p' means 'p/'); refuses prefixes that overlap, where the copy would list itself. */
export function planCopy(src: string, dst: string, verb: string, flags: TreeCommandFlags): CopyPlan {
  for (const [field, flag, why] of NOT_FOR_COPY) {
    if (flags[field] !== undefined) throw new UsageError(`${flag} does not apply to a copy between prefixes: ${why}`);
  }
  const from = parseOssUrl(src);
  const to = parseOssUrl(dst);
  checkName(from.bucket);
  checkName(to.bucket);
  const source = { bucket: from.bucket, key: folderPrefix(from.key) };
  const remote = { bucket: to.bucket, key: folderPrefix(to.key) };
  if (source.bucket === remote.bucket && (source.key.startsWith(remote.key) || remote.key.startsWith(source.key))) {
    const same = source.key === remote.key;
    throw new UsageError(
      same
        ? `${verb}: ${formatOssUrl(source)} is both source and destination`
        : `${verb}: ${formatOssUrl(source)} and ${formatOssUrl(remote)} overlap (one is inside the other), so the copy would copy its own copies`,
      'choose a destination prefix outside the source, or another bucket',
    );
  }
  return { source, remote };
}
