// What an ossup process loads and runs. Loads: module hooks (passed with --import, so worker threads run them too)
// append every URL the ES loader loads to a file, CommonJS files (required through createRequire, which bypasses the
// hooks) are added from require.cache at exit, and the bundle's files are mapped back to the source files they hold
// (their .map). Runs: the bundle holds most modules in esbuild's lazy wrappers, functions named after the module's
// path (`"src/transfer/upload/upload.ts"() {...}`) that run once, when the module is first needed; V8's coverage
// (NODE_V8_COVERAGE) says which of them ran.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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
  /** The bundled modules (source paths) whose lazy wrapper ran; complete once the process has exited. */
  evaluated(): Promise<string[]>;
}

/** Spawns bin/ossup.js with the recording hooks (files kept in `dir`). */
export async function spawnRecorded(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<Recorded> {
  const hooks = join(dir, 'hooks.mjs');
  const out = join(dir, `loaded-${Date.now()}-${Math.random().toString(16).slice(2)}.txt`);
  await writeFile(hooks, HOOKS);
  await writeFile(out, '');
  const coverage = join(dir, `coverage-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  await mkdir(coverage);
  const register =
    `import { appendFileSync } from 'node:fs'; import { createRequire, register } from 'node:module';` +
    `import { pathToFileURL } from 'node:url';` +
    `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { out: ${JSON.stringify(out)} } });` +
    `process.on('exit', () => appendFileSync(${JSON.stringify(out)}, ` +
    `Object.keys(createRequire(pathToFileURL(process.cwd() + '/').href).cache).map((f) => pathToFileURL(f).href + '\\n').join('')));`;
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, OSSUP, ...args],
    { env: { ...env, NODE_V8_COVERAGE: coverage }, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const root = `${pathToFileURL(REPO).href}/`;
  const loaded = async () =>
    (await readFile(out, 'utf8'))
      .split('\n')
      .filter((u) => u.startsWith(root))
      .map((u) => u.slice(root.length));
  return { child, loaded, evaluated: () => evaluatedModules(coverage) };
}

/** A lazily evaluated module of the bundle: its wrapper function is named after its path. */
const MODULE_WRAPPER = /^(src|node_modules)\/.+\.(ts|js|mjs|cjs)$/;

async function evaluatedModules(coverage: string): Promise<string[]> {
  const ran = new Set<string>();
  for (const name of await readdir(coverage)) {
    const report = JSON.parse(await readFile(join(coverage, name), 'utf8')) as {
      result: Array<{ url: string; functions: Array<{ functionName: string; ranges: Array<{ count: number }> }> }>;
    };
    for (const script of report.result) {
      if (!script.url.includes('/dist/cli/')) continue;
      for (const fn of script.functions)
        if (MODULE_WRAPPER.test(fn.functionName) && fn.ranges[0]!.count > 0) ran.add(fn.functionName);
    }
  }
  return [...ran].sort();
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
