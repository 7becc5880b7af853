// Bundles src/browser/index.ts into dist/browser/ossup.js: one ES module for pages (package.json "./browser").
// Fails when anything in the bundle reaches a Node built-in: the browser has none, and a shim that only papers over
// one would break at run time in a page instead of here.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { gzipSync } from 'node:zlib';
import { analyzeMetafile, build } from 'esbuild';

// `node scripts/build-browser.mjs [entry] [outfile]`: other arguments are for the test of this very check.
const ENTRY = process.argv[2] ?? 'src/browser/index.ts';
const OUT = process.argv[3] ?? 'dist/browser/ossup.js';
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

// core/xml-core.ts loads fast-xml-parser through node:module's createRequire (its one-file CommonJS build starts
// faster in Node). In the bundle that require becomes a plain import of the package: the only Node name allowed in.
const XML_SHIM = `import { XMLParser, XMLValidator } from 'fast-xml-parser';
const fxp = { XMLParser, XMLValidator };
export function createRequire() {
  return (name) => {
    if (name === 'fast-xml-parser') return fxp;
    throw new Error('ossup/browser cannot load ' + name);
  };
}`;

// Every other Node built-in resolves to a stub whose exports throw, marked free of side effects: a binding no code in
// the bundle reaches is dropped with its import (core modules keep Node-only helpers beside portable ones), and a
// binding that is reached leaves its marker in the output, which fails the build below, naming it.
const STUB_MARK = '__ossup_browser_node_stub__';
async function stubSource(name) {
  const mod = await import(name);
  const names = Object.keys(mod).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
  const lines = names.map(
    (n) => `export const ${n} = /* @__PURE__ */ stub(${JSON.stringify(`${STUB_MARK} ${name} ${n}`)});`,
  );
  return [
    'function stub(what) { return function () { throw new Error(what); }; }',
    ...lines,
    `export default /* @__PURE__ */ stub(${JSON.stringify(`${STUB_MARK} ${name} default`)});`,
  ].join('\n');
}

const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (!builtins.has(args.path)) return undefined;
      if (args.path === 'node:module' && args.importer.endsWith('src/core/xml-core.ts')) {
        return { path: 'xml-require', namespace: 'ossup-xml-shim' };
      }
      const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      return { path: name, namespace: 'ossup-node-stub', sideEffects: false };
    });
    // Packages are libraries: what the bundle does not use of one is dropped, its module set-up too.
    b.onResolve({ filter: /^[a-z@]/ }, async (args) => {
      if (args.pluginData?.ossupResolved || builtins.has(args.path)) return undefined;
      // Node's uploadFile guesses a Content-Type from the name with mime's full tables; a page's File mostly has
      // its type already, so the standard types (mime/lite, a third of the size) do for the rest.
      const r = await b.resolve(args.path === 'mime' ? 'mime/lite' : args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { ossupResolved: true },
      });
      return r.errors.length > 0 ? { errors: r.errors } : { ...r, sideEffects: false };
    });
    b.onLoad({ filter: /.*/, namespace: 'ossup-xml-shim' }, () => ({ contents: XML_SHIM, resolveDir: process.cwd() }));
    b.onLoad({ filter: /.*/, namespace: 'ossup-node-stub' }, async (args) => ({
      contents: await stubSource(args.path),
    }));
  },
};

const built = await build({
  entryPoints: [ENTRY],
  outfile: OUT,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [noNodeBuiltins],
  metafile: !!process.env.OSSUP_METAFILE,
});

const code = readFileSync(OUT, 'utf8');
const reached = [...code.matchAll(new RegExp(`${STUB_MARK} ([^"'\\\\]+)`, 'g'))].map((m) => m[1]);
const imported = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](node:[^"']+)["']/.exec(code);
// Node's globals are no import: a reachable Buffer or process call would only fail in a page, so it fails here.
const global = /\b(Buffer\.(?:from|alloc|allocUnsafe|concat|byteLength)|process\.(?:env|nextTick|cwd|hrtime))\b/.exec(
  code,
);
const what = reached.length > 0 ? `the Node built-in ${reached.join(', ')}` : imported ? imported[1] : global?.[1];
if (what) {
  console.error(`build-browser: ${OUT} reaches ${what}; the browser bundle must not use Node built-ins`);
  process.exit(1);
}
const gz = gzipSync(code).length; // level 6, as `gzip -c`
console.log(`build-browser: ${OUT} ${(code.length / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzip`);
if (built.metafile) console.log(await analyzeMetafile(built.metafile));
