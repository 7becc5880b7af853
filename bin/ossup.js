#!/usr/bin/env node
// Launcher: the CLI is TypeScript bundled into dist/cli/main.cjs (npm ci and npm run build do that;
// scripts/build-cli.mjs). This file is CommonJS (bin/package.json): an ES module entry costs node its ES loader.
// The bundle is compiled with V8's code cache made at build time (main.cjs.cache; DESIGN.md, "The CLI is a
// bundle"): V8 takes it only if the same V8 with the same flags made it for this source, and otherwise compiles the
// source as it would have without one.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
// node:module's public face loads four more internal modules (the ES loader's among them); its class is this one.
const Module = module.constructor;

const dir = join(__dirname, '..', 'dist', 'cli');
const file = join(dir, 'main.cjs');
let source;
try {
  source = readFileSync(file, 'utf8');
} catch {
  process.stderr.write('ossup: not built yet; run `npm ci` (or `npm run build`) in the ossup directory first\n');
  process.exit(1);
}
// A module like any other file node loads (it is in require.cache). The bundle is a function of CommonJS's
// arguments plus its own URL (for import.meta.url).
const bundle = new Module(file, module);
bundle.filename = file;
require.cache[file] = bundle;
let body;
if (process.sourceMapsEnabled) {
  // node --enable-source-maps: compiled by node's module loader, which reads main.cjs.map (vm does not).
  bundle._compile(`module.exports = ${source}`, file);
  body = bundle.exports;
  bundle.exports = {};
} else {
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // No cache (a build that could not make one): compiled from source.
  }
  body = new Script(source, { filename: file, cachedData }).runInThisContext();
}
bundle.loaded = true;
// The file's URL (import.meta.url); node:url's pathToFileURL only where a character in the path needs escaping.
const url = /^[\w/.-]+$/.test(file) ? `file://${file}` : require('node:url').pathToFileURL(file).href;
body(bundle.exports, Module.createRequire(file), bundle, file, dir, url);
bundle.exports.run(process.argv.slice(2));
