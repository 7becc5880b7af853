// Bundles the CLI (src/cli/main.ts) into dist/cli/: what bin/ossup.js runs. Start-up is a large share of a short
// command (issue 27), and Node 20 spends much of it resolving, reading and compiling ~100 separate ES modules and
// building ES facades for built-ins, so the CLI ships bundled (DESIGN.md, "The CLI is a bundle"). The library
// (dist/src, the package's exports) is tsc's output as before.
// - One CommonJS file, main.cjs, that bin/ossup.js compiles with V8's code cache made here (cli-code-cache.mjs).
//   Lazily imported code stays lazy: every module imported with import() is evaluated when that line runs.
// - Packages are bundled: nothing is looked up in node_modules. Those loaded on first use through createRequire are
//   files of their own (dist/cli/vendor/); Node's built-ins are values, some loaded on first use (builtinValues).
// - The hashing threads are ES module entry points, named as the code that starts them expects (`new URL(
//   './worker.js', import.meta.url)` from main.cjs in the same directory). The build fails when the output loads a
//   package, a vendored file or a `new URL('./x', import.meta.url)` that the bundle does not have.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { makeCodeCache } from './cli-code-cache.mjs';

const OUT = 'dist/cli';
const ENTRY = 'src/cli/main.ts';
const WORKERS = {
  // transfer/hash/pool.ts: new URL('./worker.js', import.meta.url)
  worker: 'src/transfer/hash/worker.ts',
  // server/store/hasher.ts: new URL('./hasher-worker.js', import.meta.url)
  'hasher-worker': 'src/server/store/hasher-worker.ts',
};
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

// Not split. Node 20 pays for every file it loads as an ES module (resolution, a read, a compile, linking), far more
// than V8 pays to skim code it does not run, and with a code cache V8 skims nothing: it deserializes the functions
// the cached commands ran and compiles any other function only when first called. So the whole CLI, the embedded
// server included, is one file, and every `import()` becomes a require() of a module of that file, which esbuild
// wraps so that the module is still evaluated only when that line runs (BENCHMARKS.md, "Issue 27: start-up").
const IMPORT = /\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g;

// The packages the code loads on first use through `createRequire(import.meta.url)('pkg')` (fast-xml-parser, ini,
// picomatch, cli-progress) are invisible to a bundler, and bundled into a chunk they would be read and compiled by
// every command that loads the chunk. Each becomes one CommonJS file of its own, dist/cli/vendor/<pkg>.cjs, and the
// call `createRequire(import.meta.url)('./vendor/<pkg>.cjs')`: still loaded on first use, never from node_modules.
const LAZY_REQUIRE = /createRequire\(import\.meta\.url\)\((['"])([^'"./][^'"]*)\1\)/g;
const vendored = new Set();

const sourceRewrites = {
  name: 'source-rewrites',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const contents = text
        .replace(LAZY_REQUIRE, (_, q, pkg) => {
          vendored.add(pkg);
          return `createRequire(import.meta.url)(${q}./vendor/${pkg}.cjs${q})`;
        })
        .replace(IMPORT, (_, q, spec) => `Promise.resolve().then(() => require(${q}${spec}${q}))`);
      return contents === text ? undefined : { contents, loader: 'ts' };
    });
  },
};

// Node built-ins are taken with process.getBuiltinModule() (Node >= 20.16), not imported. Importing one as an ES module
// builds its ES facade, which reads every export once: `node:fs` then loads fs/promises, the streams and readline,
// `node:crypto` WebCrypto, `node:util` parseArgs and MIMEType. As a CommonJS value, an export is read only where the
// code uses it. It also serves the bundled CommonJS packages' require() of built-ins (an ES module has no require).
// The built-ins below, which `cp` of a file does not use before its request (or at all: commander requires
// child_process for subcommands that are programs; `module` is for createRequire of a vendored package), are loaded when the code first reads one of their exports;
// every export name is known here, at build time, so the bundle's interop code sees them all without loading.
const LAZY_BUILTINS = [
  'child_process',
  'dgram',
  'dns',
  'http',
  'https',
  'module',
  'perf_hooks',
  'readline',
  'stream/promises',
  'timers/promises',
  'tls',
  'worker_threads',
  'zlib',
];
// Built-ins loaded on first call, as an ES module of functions that forward to them: every export is a function but
// `constants`, which is `node:fs`'s own object. A CommonJS value of getters (LAZY_BUILTINS) would get esbuild's
// `__toESM` copy in each of the ~20 modules that import from fs/promises; these are bound by name. `cp` of a small file,
// `ls` and `stat` never call fs/promises, which then is never loaded (5-6 ms of `cp`'s CPU with the thread pool its
// first call started; BENCHMARKS.md, "Issue 27: R7, R8 and R9").
const FORWARDED_BUILTINS = ['fs/promises'];
// The built-in `name`'s export names, and the source that loads it on first use (`load()`), for the two kinds above.
async function loadedOnFirstUse(name) {
  const value = await import(name);
  const names = Object.keys(value).filter((k) => k !== 'default');
  const preamble = [
    'let loaded;',
    `const load = () => (loaded ??= process.getBuiltinModule(${JSON.stringify(name)}));`,
  ];
  return { value, names, preamble };
}
async function forwardingSource(name) {
  const { value, names, preamble } = await loadedOnFirstUse(name);
  const fs = await import('node:fs');
  const lines = [...preamble];
  for (const k of names) {
    if (typeof value[k] === 'function') lines.push(`export function ${k}(...args) { return load().${k}(...args); }`);
    else if (k === 'constants' && value[k] === fs.constants)
      lines.push(`export const constants = process.getBuiltinModule('node:fs').constants;`);
    else throw new Error(`${name}.${k} is neither a function nor node:fs's constants: it cannot be forwarded`);
  }
  return lines.join('\n');
}
async function builtinSource(name) {
  const bare = name.slice('node:'.length);
  if (FORWARDED_BUILTINS.includes(bare)) return forwardingSource(name);
  if (!LAZY_BUILTINS.includes(bare)) return `module.exports = process.getBuiltinModule(${JSON.stringify(name)});`;
  const { names, preamble } = await loadedOnFirstUse(name);
  return [
    ...preamble,
    `for (const k of ${JSON.stringify(names)})`,
    '  Object.defineProperty(module.exports, k, { enumerable: true, get: () => load()[k] });',
  ].join('\n');
}
const builtinValues = ({ required = false } = {}) => ({
  name: 'builtin-values',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (!builtins.has(args.path)) return undefined;
      const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      const bare = name.slice('node:'.length);
      if (required && !LAZY_BUILTINS.includes(bare) && !FORWARDED_BUILTINS.includes(bare))
        return { path: name, external: true };
      return { path: name, namespace: 'node-builtin', sideEffects: false };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, async (args) => ({
      contents: await builtinSource(args.path),
      loader: 'js',
    }));
  },
});

// mime (the upload's Content-Type from the file name) builds its tables of ~1,200 types at import: ~3 ms of `cp`'s
// start-up, for one lookup. The CLI bundles instead the table mime's own instance holds, as one string searched on a
// lookup, with mime's getType() rules for the name; the build checks it gives mime's answer for every extension.
function mimeGetType(path) {
  if (typeof path !== 'string') return null;
  const last = path.replace(/^.*[/\\]/s, '').toLowerCase();
  const ext = last.replace(/^.*\./s, '').toLowerCase();
  if (!(ext.length < last.length - 1) && last.length < path.length) return null;
  if (ext === '' || /\s/.test(ext)) return null;
  const at = MIME_TABLE.indexOf(`\n${ext} `);
  return at < 0 ? null : MIME_TABLE.slice(at + ext.length + 2, MIME_TABLE.indexOf('\n', at + 1));
}
async function mimeSource() {
  const { default: mime } = await import('mime');
  const types = mime._getTestState().types;
  const table = `\n${[...types].map(([ext, type]) => `${ext} ${type}`).join('\n')}\n`;
  const check = new Function('MIME_TABLE', `return ${mimeGetType}`)(table);
  const names = [...types.keys()].flatMap((ext) => [ext, `a.${ext}`, `d/A.${ext.toUpperCase()}`, `.${ext}`]);
  for (const name of [...names, 'README', 'd/README', 'a.', 'a b', 'a.b c', 'x.unknown', '', 'd/', 'a.tar.gz'])
    if (check(name) !== mime.getType(name))
      throw new Error(`mime table: ${name} -> ${check(name)}, not ${mime.getType(name)}`);
  return `const MIME_TABLE = ${JSON.stringify(table)};\n${mimeGetType}\nexport default { getType: mimeGetType };\n`;
}
const mimeTable = {
  name: 'mime-table',
  setup(b) {
    b.onResolve({ filter: /^mime$/ }, () => ({ path: 'mime', namespace: 'mime-table' }));
    b.onLoad({ filter: /.*/, namespace: 'mime-table' }, async () => ({ contents: await mimeSource(), loader: 'js' }));
  },
};

// The version (`ossup --version`, and the program's declaration of it on every run) from package.json at build time:
// src/cli/version.ts finds the file by walking up from its own directory, two failed reads from dist/cli.
const packageVersion = {
  name: 'package-version',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]cli[\\/]version\.ts$/ }, () => {
      const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
      return { contents: `export const packageVersion = () => ${JSON.stringify(version)};`, loader: 'ts' };
    });
  },
};

rmSync(OUT, { recursive: true, force: true });
const common = {
  outdir: OUT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  // Identifiers are not minified: --debug stack traces stay readable (and the sources are in the .map files).
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [sourceRewrites, builtinValues()],
  metafile: true,
};
// The CLI: one CommonJS file, the body of a function that bin/ossup.js compiles with V8's code cache (main.cjs.cache,
// made below by a run of the commands it serves). `import.meta.url` is the file's URL, made from the __filename
// the launcher passes.
const built = await build({
  ...common,
  entryPoints: { main: ENTRY },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { 'import.meta.url': '__ossupFileUrl' },
  plugins: [sourceRewrites, builtinValues({ required: true }), mimeTable, packageVersion],
  banner: { js: '(function (exports, require, module, __filename, __dirname, __ossupFileUrl) {' },
  footer: { js: '})' },
});
// The hashing threads: ES modules of their own.
await build({ ...common, entryPoints: WORKERS, format: 'esm' });

// The vendored packages, each as one CommonJS file (built-ins as plain require()).
await build({
  entryPoints: Object.fromEntries([...vendored].map((pkg) => [pkg, pkg])),
  outdir: join(OUT, 'vendor'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  sourcemap: true,
  sourcesContent: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// What the output loads at run time must be a Node built-in or a file of the bundle.
const files = readdirSync(OUT).filter((f) => /\.c?js$/.test(f));
const vendorFiles = readdirSync(join(OUT, 'vendor')).map((f) => `vendor/${f}`);
const problems = [];
const PACKAGE =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']((?:@[\w.-]+\/)?[\w-][\w.:-]*(?:\/[\w./-]+)?)["']/g;
const CREATE_REQUIRE = /createRequire\)?\(import\.meta\.url\)\(\s*["']([^"']+)["']/g;
const WORKER_URL = /new URL\(\s*[`"']\.\/([\w.-]+?)(?:\$\{[^}]*\}[`"']|[`"'])\s*,\s*import\.meta\.url/g;
for (const file of [...files, ...vendorFiles]) {
  const code = readFileSync(join(OUT, file), 'utf8');
  for (const [, name] of code.matchAll(PACKAGE))
    if (!builtins.has(name)) problems.push(`${file} loads the package ${name} from node_modules`);
  for (const [, name] of code.matchAll(CREATE_REQUIRE))
    if (!name.startsWith('./vendor/') || !existsSync(join(OUT, name))) problems.push(`${file} requires ${name}`);
  // A default or namespace import of a built-in (`import path from 'node:path'`) becomes esbuild's __toESM, which copies
  // every export of the built-in onto a new object as a getter, in each module that imports it: 21 copies and 435
  // getters before `cp`'s request, 4.5 ms of its CPU (BENCHMARKS.md, "Issue 27: R7, R8 and R9"). Named imports are
  // read where used. Only the built-ins required as plain values are checked: any import of a LAZY_BUILTINS one gets
  // the copy (of getters, which load nothing).
  if (file === 'main.cjs')
    for (const [, name] of code.matchAll(/__toESM\(require\("(node:[\w/]+)"\)/g))
      problems.push(`${file}: a default or namespace import of ${name}; import the names it uses instead`);
  for (const [, base] of code.matchAll(WORKER_URL)) {
    const name = base.endsWith('.js') ? base : `${base}.js`;
    if (!existsSync(join(OUT, name))) problems.push(`${file} refers to ./${name}, which the bundle does not have`);
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(`build-cli: ${p}`);
  process.exit(1);
}
const bytes = files.reduce((n, f) => n + readFileSync(join(OUT, f)).length, 0);
console.log(`build-cli: ${OUT}/ ${files.length} files, ${(bytes / 1024).toFixed(1)} KiB`);
if (process.env.OSSUP_METAFILE) writeFileSync(process.env.OSSUP_METAFILE, JSON.stringify(built.metafile));
// The code cache is an optimization: without one the CLI compiles from source (test/cli/bundle.test.ts fails then).
try {
  const cacheBytes = await makeCodeCache();
  console.log(`build-cli: ${OUT}/main.cjs.cache ${(cacheBytes / 1024).toFixed(1)} KiB`);
} catch (err) {
  rmSync(join(OUT, 'main.cjs.cache'), { force: true });
  console.warn(`build-cli: warning: no code cache, the CLI will compile from source: ${err.message}`);
}
