// `ossup du oss://bucket[/prefix]`: how many objects and bytes lie under a prefix, by storage class (ossutil's du,
// rclone's size). One listing, streamed: nothing but the running totals is kept.
import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import type { CommonOptions } from '../options.js';
import { formatOssUrl, parseOssUrl } from '../oss-url.js';
import { withSession, type Io } from '../session.js';
import { formatBytes } from '../size.js';
import { checkName } from './names.js';

interface Totals {
  objects: number;
  bytes: number;
}

/** The --json document: one line. */
export interface DuJson extends Totals {
  bucket: string;
  prefix: string;
  /** Per storage class ("Standard", "IA", "Archive", ...), in the order first seen. */
  storageClasses: Record<string, Totals>;
}

export async function duCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const { bucket, key: prefix } = parseOssUrl(url);
  checkName(bucket);
  const where = formatOssUrl({ bucket, key: prefix });
  return withSession(flags, io, (s) =>
    doing(`listing ${where}`, bucket, async () => {
      const all: Totals = { objects: 0, bytes: 0 };
      const byClass = new Map<string, Totals>();
      for await (const o of s.client.listObjectsAll(bucket, { prefix, v2: true, maxKeys: 1000 })) {
        const cls = o.storageClass ?? 'Standard';
        let t = byClass.get(cls);
        if (!t) byClass.set(cls, (t = { objects: 0, bytes: 0 }));
        t.objects++;
        t.bytes += o.size;
        all.objects++;
        all.bytes += o.size;
      }
      if (flags.json) {
        const doc: DuJson = { bucket, prefix, ...all, storageClasses: Object.fromEntries(byClass) };
        io.stdout.write(jsonLine(doc));
        return EXIT_OK;
      }
      const row = (name: string, t: Totals) =>
        `${name.padEnd(16)}${String(t.objects).padStart(10)}  ${formatBytes(t.bytes).padStart(10)}  ${String(t.bytes).padStart(16)}\n`;
      io.stdout.write(
        `${'STORAGE CLASS'.padEnd(16)}${'OBJECTS'.padStart(10)}  ${'SIZE'.padStart(10)}  ${'BYTES'.padStart(16)}\n`,
      );
      for (const [cls, t] of byClass) io.stdout.write(row(cls, t));
      io.stdout.write(row('total', all));
      return EXIT_OK;
    }),
  );
}
