// Builds the optional native CRC-64 kernel (native/crc64.c -> build/Release/ossup_crc64.node) at install
// (package.json "install"). It never fails the install: without a compiler, Python or Node's headers, or with
// OSSUP_SKIP_NATIVE=1, it prints one line and ossup uses its WebAssembly kernel, which computes the same CRC more
// slowly (DESIGN.md, "CRC-64: an optional native kernel").
// - node-gyp is npm's own (npm puts it in npm_config_node_gyp for install scripts; else found beside npm): no new
//   dependency. When npm has no `nodedir` set and the headers of the running Node are installed beside it
//   (<prefix>/include/node), they are used, so the build needs no download.
// - The built addon is loaded once here and must give the CRC-64/XZ check value and MD5("abc") (its multi-buffer
//   MD5, native/md5.c, for the server's hashing thread); otherwise it is removed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ADDON = join(ROOT, 'build', 'Release', 'ossup_crc64.node');
const LOG = join(ROOT, 'build', 'native-build.log');

function fallBack(why) {
  console.log(`ossup: native CRC-64 kernel not built (${why}); the WebAssembly kernel will be used`);
  process.exit(0);
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath &&
      join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((c) => c && existsSync(c));
}

if (process.env.OSSUP_SKIP_NATIVE === '1') fallBack('OSSUP_SKIP_NATIVE=1');
const gyp = nodeGyp();
if (gyp === undefined) fallBack('node-gyp not found');
const args = [gyp, 'rebuild', '--directory', ROOT];
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}
const built = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
mkdirSync(dirname(LOG), { recursive: true });
writeFileSync(LOG, `${built.stdout ?? ''}${built.stderr ?? ''}${built.error ? String(built.error) : ''}`);
if (built.status !== 0) fallBack(`node-gyp failed; see ${LOG}`);

const check = spawnSync(
  process.execPath,
  [
    '-e',
    'const a = require(process.argv[1]); const m = 2n ** 64n - 1n;' +
      'if (a.update(m, Buffer.from("123456789")) !== (m ^ 0x995dc9bbdf1939fan)) process.exit(1);' +
      'const c = new Uint8Array(96); a.md5Init(c); a.md5Update([c], [Buffer.from("abc")]);' +
      'if (a.md5Final(c).toString("hex") !== "900150983cd24fb0d6963f7d28e17f72") process.exit(1);' +
      'console.log(`${a.kernel} loop; MD5 in ${a.md5Lanes} lane(s)`);',
    ADDON,
  ],
  { encoding: 'utf8' },
);
if (check.status !== 0) {
  rmSync(ADDON, { force: true });
  fallBack('the built addon failed its check');
}
console.log(`ossup: native CRC-64 kernel built (${check.stdout.trim()})`);
