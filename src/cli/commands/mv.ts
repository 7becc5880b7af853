// `ossup mv`: cp, then the source is removed, but only once its copy is verified by CRC-64 (rclone's move/moveto,
// ossutil's mv). One file or object goes through cp's own command (its checks, bar, resume, naming of the target)
// and is then checked here independently of the transfer: the new object's or file's CRC-64 against the source's.
// With -r the tree run removes each source as its copy is verified.
import { unlink } from 'node:fs/promises';
import { crc64ToDecimal } from '../../core/crc64.js';
import { crc64OfFile } from '../../transfer/tree/compare.js';
import { ActionFailed, doing, EXIT_FAILED, EXIT_OK } from '../exit.js';
import { jsonLine, type TransferJson } from '../json.js';
import { formatOssUrl, isOssUrl, parseOssUrl } from '../oss-url.js';
import { withSession, type Io, type Session } from '../session.js';
import { formatBytes } from '../size.js';
import { UsageError } from '../usage-error.js';
import { copyTarget } from './copy.js';
import { cpCommand } from './cp.js';
import { treeCommand, type TreeCommandFlags } from './tree.js';

export async function mvCommand(src: string, dst: string, flags: TreeCommandFlags, io: Io): Promise<number> {
  if (src === '-' || dst === '-')
    throw new UsageError('mv moves files and objects; a stream (-) has no source to remove', 'use ossup cp');
  if (flags.range !== undefined)
    throw new UsageError('--range does not apply to mv: the source goes only when all of it was copied');
  if (flags.recursive) return treeCommand(src, dst, 'mv -r', flags, io);
  if (flags.dryRun) throw new UsageError('--dry-run applies to mv -r', 'add -r to see what a tree move would do');
  if (isOssUrl(src) && isOssUrl(dst)) {
    // cp would rewrite the object's metadata in place (with --meta); the "source" removed after it would be the copy.
    const from = parseOssUrl(src);
    const to = copyTarget(from, parseOssUrl(dst));
    if (from.bucket === to.bucket && from.key === to.key)
      throw new UsageError(`mv: ${src} is both source and destination`, 'give another key or bucket');
  }

  // cp's --json line names the target exactly as cp resolved it ("dir/" keeps the name, a directory gets the file).
  let captured = '';
  const write = (s: string) => {
    captured += s;
    return true;
  };
  const sink = { write } as unknown as NodeJS.WriteStream;
  const code = await cpCommand(src, dst, { ...flags, json: true }, { ...io, stdout: sink });
  if (code !== EXIT_OK) return code;
  const line = JSON.parse(captured.trim().split('\n').pop()!) as TransferJson;
  const target = line.op === 'download' ? line.file : formatOssUrl(line);

  // The cp above said where the data lives (or not, under -q): no second note.
  return withSession({ ...flags, quiet: true }, io, async (session) => {
    const problem = await doing(`the check of ${target} against ${src}`, line.bucket, () =>
      mismatch(session, src, line),
    );
    if (problem !== undefined) {
      io.stderr.write(`ossup: mv: copied ${src} to ${target}, but ${problem}; ${src} was kept (not moved)\n`);
      return EXIT_FAILED;
    }
    await doing(`removing ${src} after its copy to ${target} was verified`, undefined, async () => {
      if (isOssUrl(src)) {
        const from = parseOssUrl(src);
        await session.client.deleteObject(from.bucket, from.key);
      } else await unlink(src);
    }).catch((err: unknown) => {
      throw err instanceof ActionFailed ? err : new ActionFailed(`removing ${src}`, err);
    });
    if (flags.json) io.stdout.write(jsonLine(line));
    else if (!flags.quiet)
      io.stdout.write(`moved ${src} to ${target} (${formatBytes(line.size)}, CRC-64 verified; the source is gone)\n`);
    return EXIT_OK;
  });
}

/** Why the copy cannot be trusted, or undefined when its CRC-64 equals the source's. */
async function mismatch(session: Session, src: string, line: TransferJson): Promise<string | undefined> {
  const headCrc = async (bucket: string, key: string) => {
    const crc = (await session.client.headObject(bucket, key)).crc64;
    return crc === undefined ? undefined : crc64ToDecimal(crc);
  };
  let from: string | undefined;
  let to: string | undefined;
  if (line.op === 'upload') {
    from = crc64ToDecimal(await crc64OfFile(src));
    to = await headCrc(line.bucket, line.key);
  } else {
    const source = parseOssUrl(src);
    from = await headCrc(source.bucket, source.key);
    to = line.op === 'download' ? crc64ToDecimal(await crc64OfFile(line.file)) : await headCrc(line.bucket, line.key);
  }
  if (from === undefined || to === undefined) return 'there is no CRC-64 to verify the copy with';
  if (from !== to) return `the copy's CRC-64 ${to} differs from the source's ${from}`;
  return undefined;
}
