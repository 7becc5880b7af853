// `ossup cp` with nothing configured: the embedded default, as a new user meets it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startTestServer } from '../../harness/server.js';
import { controlChars, lastJson, runCli, sandbox, type Sandbox } from '../../harness/cli.js';

let box: Sandbox;

before(async () => {
  box = await sandbox();
});
after(() => box.cleanup());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The fields of a transfer's --json line (a contract: README, "--json"), both directions, sorted. */
const TRANSFER_JSON_FIELDS = [
  'bucket',
  'crc64',
  'etag',
  'file',
  'key',
  'op',
  'parts',
  'resumedBytes',
  'seconds',
  'size',
  'transferredBytes',
  'tuning',
].sort();

/** Reads objects back from the embedded default's data directory through a server of its own (the CLI has exited). */
async function storedObjects(keys: Array<[string, string]>): Promise<Buffer[]> {
  const server = await startTestServer({ root: join(box.ossupHome, 'data') });
  const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  try {
    const out: Buffer[] = [];
    for (const [bucket, key] of keys) {
      const res = await client.getObject(bucket, key);
      const chunks: Buffer[] = [];
      for await (const c of res.body) chunks.push(c as Buffer);
      out.push(Buffer.concat(chunks));
    }
    return out;
  } finally {
    await client.close();
    await server.close();
  }
}

test('with no endpoint configured, cp uploads to the embedded server (checkpoint on), --json has the contract fields', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 12345);
  const file = join(box.dir, 'first.bin');
  await writeFile(file, data);
  const r = await runCli(['cp', file, 'oss://embedded-demo/first.bin', '--json'], box.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`embedded server with data in ${join(box.ossupHome, 'data').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
  );
  assert.match(
    r.stderr,
    /^ossup: created bucket oss:\/\/embedded-demo \(the embedded store had none; more with ossup mb\)$/m,
  );
  assert.equal(r.stderr.trim().split('\n').length, 2, `two notes only: ${r.stderr}`);
  assert.deepEqual(controlChars(r.stdout + r.stderr), [], 'no control characters when not a TTY');
  assert.equal(r.stdout.trim().split('\n').length, 1, 'only the JSON line on stdout');

  const json = lastJson(r.stdout);
  assert.deepEqual(Object.keys(json).sort(), TRANSFER_JSON_FIELDS);
  assert.equal(json.op, 'upload');
  assert.equal(json.bucket, 'embedded-demo');
  assert.equal(json.key, 'first.bin');
  assert.equal(json.file, file);
  assert.equal(json.size, data.length);
  assert.equal(json.parts, 4, '1 MiB parts (the default floor) for a 3 MiB file');
  // No flag fixed anything: the connections and the part size are the controller's, starting from the defaults.
  const tuning = json.tuning as { connections: { source: string }; partSize: { value: number; source: string } };
  assert.equal(tuning.connections.source, 'auto');
  assert.deepEqual(tuning.partSize, { value: 1024 * 1024, source: 'auto' });
  assert.equal(json.resumedBytes, 0);
  assert.equal(json.transferredBytes, data.length);
  assert.match(String(json.crc64), /^\d+$/);
  assert.match(String(json.etag), /^[0-9A-F]{32}-4$/);
  assert.equal(typeof json.seconds, 'number');

  // The checkpoint is kept while the upload runs and removed once it is complete.
  assert.deepEqual(await readdir(join(box.ossupHome, 'checkpoints')), []);
  // The key pair is private to the user.
  assert.equal((await stat(join(box.ossupHome, 'embedded-credentials.json'))).mode & 0o777, 0o600);
  const [stored] = await storedObjects([['embedded-demo', 'first.bin']]);
  assert.equal(sha(stored!), sha(data));
});

test('flags fix their dimension, and --json says so: --parallel and --part-size are "flag", not tuned', async () => {
  const data = randomBytes(2 * 1024 * 1024 + 7);
  const file = join(box.dir, 'flagged.bin');
  await writeFile(file, data);
  const r = await runCli(
    ['cp', file, 'oss://embedded-demo/flagged.bin', '--parallel', '2', '--part-size', '512KiB', '--json'],
    box.env,
  );
  assert.equal(r.code, 0, r.stderr);
  const json = lastJson(r.stdout);
  assert.equal(json.parts, 5);
  assert.deepEqual(
    { ...(json.tuning as Record<string, unknown>), reason: undefined },
    {
      connections: { value: 2, source: 'flag' },
      partSize: { value: 512 * 1024, source: 'flag' },
      parallel: { value: 2, source: 'flag' },
      reason: undefined,
    },
  );
  assert.deepEqual((await storedObjects([['embedded-demo', 'flagged.bin']]))[0], data);
});

test('--no-checkpoint uploads too, and the plain summary has no control characters', async () => {
  const data = randomBytes(700 * 1024);
  const file = join(box.dir, 'second.bin');
  await writeFile(file, data);
  const r = await runCli(
    ['cp', file, 'oss://embedded-demo/sub/', '--no-checkpoint', '--part-size', '256KiB', '--parallel', '2'],
    box.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^uploaded .*second\.bin to oss:\/\/embedded-demo\/sub\/second\.bin: 700\.0 KiB in .*, 3 parts; ETag [0-9A-F]{32}-3, CRC-64 \d+\n$/,
  );
  assert.deepEqual(controlChars(r.stdout + r.stderr), []);
  const [stored] = await storedObjects([['embedded-demo', 'sub/second.bin']]);
  assert.equal(sha(stored!), sha(data));
});

test('cp -r uploads a directory tree under the prefix', async () => {
  const dir = join(box.dir, 'tree');
  await mkdir(join(dir, 'inner'), { recursive: true });
  await writeFile(join(dir, 'a.txt'), 'alpha');
  await writeFile(join(dir, 'inner', 'b.txt'), 'beta');
  const r = await runCli(['cp', '-r', dir, 'oss://embedded-demo/tree', '--json', '-q'], box.env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', '--quiet drops the embedded note');
  // Files go several at once: lines come in the order they finish.
  assert.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { key: string }).key)
      .sort(),
    ['tree/a.txt', 'tree/inner/b.txt'],
  );
  const stored = await storedObjects([
    ['embedded-demo', 'tree/a.txt'],
    ['embedded-demo', 'tree/inner/b.txt'],
  ]);
  assert.deepEqual(stored.map(String), ['alpha', 'beta']);
  assert.ok((await readFile(join(box.ossupHome, 'embedded-credentials.json'), 'utf8')).includes('accessKeySecret'));
});

test('cp oss://... local downloads it back, verified, and --json reports op "download"', async () => {
  const data = randomBytes(1024 * 1024 + 7);
  const file = join(box.dir, 'roundtrip.bin');
  await writeFile(file, data);
  assert.equal((await runCli(['cp', file, 'oss://embedded-demo/roundtrip.bin', '-q'], box.env)).code, 0);

  const outDir = join(box.dir, 'downloads');
  await mkdir(outDir);
  const r = await runCli(['cp', 'oss://embedded-demo/roundtrip.bin', `${outDir}/`, '--json'], box.env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(controlChars(r.stdout + r.stderr), []);
  const json = lastJson(r.stdout);
  assert.deepEqual(Object.keys(json).sort(), TRANSFER_JSON_FIELDS);
  assert.equal(json.op, 'download');
  assert.equal(json.file, join(outDir, 'roundtrip.bin'));
  assert.equal(json.size, data.length);
  assert.equal(sha(await readFile(join(outDir, 'roundtrip.bin'))), sha(data));

  const missing = await runCli(['cp', 'oss://embedded-demo/nope.bin', join(box.dir, 'nope.bin')], box.env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /download of oss:\/\/embedded-demo\/nope\.bin failed: .*NoSuchKey, HTTP 404/);

  const noDir = await runCli(
    ['cp', 'oss://embedded-demo/roundtrip.bin', join(box.dir, 'no', 'such', 'dir', 'x.bin')],
    box.env,
  );
  assert.equal(noDir.code, 2, noDir.stderr);
  assert.match(noDir.stderr, /does not exist/);
});
