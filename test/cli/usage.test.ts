// Bad input is found before anything is sent: exit 2, a message naming the problem, never a stack trace.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, runCli, sandbox, STACK, type Sandbox } from '../../harness/cli.js';

let box: Sandbox;
let file: string;
let dir: string;

before(async () => {
  box = await sandbox();
  file = join(box.dir, 'small.bin');
  dir = join(box.dir, 'folder');
  await writeFile(file, 'hello world');
  await mkdir(dir);
});
after(() => box.cleanup());

const cases: Array<[string, () => string[], RegExp]> = [
  ['missing file', () => ['cp', join(box.dir, 'nope.bin'), 'oss://demo/x'], /nope\.bin: no such file/],
  ['directory without -r', () => ['cp', dir, 'oss://demo/x'], /is a directory[\s\S]*-r/],
  [
    'part size too small',
    () => ['cp', file, 'oss://demo/x', '--part-size', '50KiB'],
    /--part-size 50KiB is out of range: OSS parts are 100KiB to 5GiB/,
  ],
  ['part size too large', () => ['cp', file, 'oss://demo/x', '--part-size', '6GiB'], /out of range/],
  [
    'part size unparsable',
    () => ['cp', file, 'oss://demo/x', '--part-size', '8 lots'],
    /--part-size: "8 lots" has an unknown unit/,
  ],
  ['part size garbage', () => ['cp', file, 'oss://demo/x', '--part-size', 'big'], /is not a size/],
  [
    'parallel not a number',
    () => ['cp', file, 'oss://demo/x', '--parallel', 'many'],
    /--parallel "many" must be a whole number/,
  ],
  ['destination not a URL', () => ['cp', file, 's3://demo/x'], /"s3:\/\/demo\/x" is not an OSS URL/],
  ['URL without a bucket', () => ['cp', file, 'oss:///x'], /has no bucket name/],
  ['invalid bucket name', () => ['cp', file, 'oss://Bad_Bucket/x'], /invalid bucket name "Bad_Bucket"/],
  ['bucket name too short', () => ['mb', 'oss://ab'], /invalid bucket name "ab"/],
  ['unknown flag', () => ['cp', file, 'oss://demo/x', '--frobnicate'], /unknown option '--frobnicate'/],
  ['unknown command', () => ['frobnicate'], /unknown command 'frobnicate'/],
  ['bad ACL', () => ['cp', file, 'oss://demo/x', '--acl', 'everyone'], /Allowed choices are private, public-read/],
  [
    'upload-only flag on a download',
    () => ['cp', 'oss://demo/x', join(box.dir, 'out.bin'), '--meta', 'a=b'],
    /--meta applies to uploads; this is a download/,
  ],
  [
    'download of a bucket, not an object',
    () => ['cp', 'oss://demo/', join(box.dir, 'out.bin')],
    /is a prefix, not an object\nhint: use -r to download every object under it: ossup cp -r oss:\/\/demo\/ /,
  ],
  [
    'copy onto itself without new metadata',
    () => ['cp', 'oss://demo/x', 'oss://demo/x'],
    /OSS refuses to copy an object onto itself unless its metadata is replaced/,
  ],
  [
    'tree copy with --meta',
    () => ['cp', '-r', 'oss://demo/x/', 'oss://demo/y/', '--meta', 'a=b'],
    /--meta does not apply to a copy between prefixes/,
  ],
  [
    'copy with --range',
    () => ['cp', 'oss://demo/x', 'oss://demo/y', '--range', '0-9'],
    /--range does not apply to a server-side copy/,
  ],
  ['missing argument', () => ['cp', file], /missing required argument 'dst'/],
  ['meta without =', () => ['cp', file, 'oss://demo/x', '--meta', 'novalue'], /--meta "novalue" is not k=v/],
  ['abort without upload id or age', () => ['abort', 'oss://demo/x'], /--upload-id|--all-older-than/],
  ['abort with a bare number age', () => ['abort', 'oss://demo', '--all-older-than', '7'], /"7" is not a duration/],
];

for (const [name, args, message] of cases) {
  test(`exit 2: ${name}`, async () => {
    const r = await runCli(args(), box.env);
    assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, STACK);
    assert.ok(r.stderr.trim().split('\n').length <= 3, `short message: ${r.stderr}`);
    assert.equal(r.stdout, '');
  });
}

test('--debug adds the stack trace', async () => {
  const r = await runCli(['cp', join(box.dir, 'nope.bin'), 'oss://demo/x', '--debug'], box.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, STACK);
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const r = await runCli(['--version'], box.env);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('help <command> lists its flags', async () => {
  const r = await runCli(['help', 'cp'], box.env);
  assert.equal(r.code, 0);
  for (const flag of [
    '--part-size',
    '--parallel',
    '--checkpoint-dir',
    '--no-checkpoint',
    '--json',
    '--no-progress',
    '--traffic-limit',
    '--expected-size',
  ]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  assert.match(r.stdout, /a stream cannot be resumed/);
});
