#!/usr/bin/env node
// Launcher: the CLI is TypeScript bundled into dist/cli/ (npm ci and npm run build do that; scripts/build-cli.mjs).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('ossup: not built yet; run `npm ci` (or `npm run build`) in the ossup directory first\n');
  process.exit(1);
}
const { run } = await import(entry.href);
await run(process.argv.slice(2));
