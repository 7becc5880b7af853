// What an ossup process loads: module hooks (passed with --import, so worker threads run them too) append every URL
// the ES loader loads to a file, CommonJS files (required through createRequire, which bypasses the hooks) are added
// from require.cache at exit, and the bundle's chunks are mapped back to the source files they hold (their .map).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OSSUP, REPO } from './cli.js';

const HOOKS = `import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); }
`;

/** A CLI process whose loads are recorded; `loaded()` reads them so far. */
export interface Recorded {
  child: ChildProcess;
  loaded(): Promise<string[]>;
}

/** Spawns bin/ossup.js with the recording hooks (files kept in `dir`). */
export async function spawnRecorded(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<Recorded> {
  const hooks = join(dir, 'hooks.mjs');
  const out = join(dir, `loaded-${Date.now()}-${Math.random().toString(16).slice(2)}.txt`);
  await writeFile(hooks, HOOKS);
  await writeFile(out, '');
  const register =
    `import { appendFileSync } from 'node:fs'; import { createRequire, register } from 'node:module';` +
    `import { pathToFileURL } from 'node:url';` +
    `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { out: ${JSON.stringify(out)} } });` +
    `process.on('exit', () => appendFileSync(${JSON.stringify(out)}, ` +
    `Object.keys(createRequire(pathToFileURL(process.cwd() + '/').href).cache).map((f) => pathToFileURL(f).href + '\\n').join('')));`;
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, OSSUP, ...args],
    { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const root = `${pathToFileURL(REPO).href}/`;
  const loaded = async () =>
    (await readFile(out, 'utf8'))
      .split('\n')
      .filter((u) => u.startsWith(root))
      .map((u) => u.slice(root.length));
  return { child, loaded };
}

/**
 * The source files (repository-relative, e.g. `src/transfer/upload/upload.ts`, `node_modules/mime/...`) whose code
 * the loaded files of the bundle hold, read from each file's source map.
 */
export function bundledSources(loaded: readonly string[]): string[] {
  const sources = new Set<string>();
  for (const file of loaded) {
    if (!/^dist\/cli\/.+\.c?js$/.test(file)) continue;
    const map = JSON.parse(readFileSync(join(REPO, `${file}.map`), 'utf8')) as { sources: string[] };
    const dir = file.slice(0, file.lastIndexOf('/'));
    for (const s of map.sources) {
      if (s.includes(':')) continue; // the bundle's own modules (node-builtin:...)
      sources.add(new URL(s, `file:///${dir}/`).pathname.slice(1));
    }
  }
  return [...sources].sort();
}
