// Integrity by CRC-64, Content-MD5 on request (DESIGN.md, "Integrity by CRC-64"): what goes on the wire, seen by a
// recording proxy in front of the embedded server, for the library and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { uploadFile } from '../../../src/transfer/index.js';
import { runCli, sandbox } from '../../../harness/cli.js';
import { PART, editingProxy, makeFile, objectBytes, setup, type ProxiedRequest } from '../fixtures.js';

const partPuts = (seen: ProxiedRequest[]) => seen.filter((r) => r.method === 'PUT' && r.path.includes('partNumber='));
const partNumber = (r: ProxiedRequest) => Number(/partNumber=(\d+)/.exec(r.path)![1]);
const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');

test('a default multipart upload sends no Content-MD5; contentMd5: true sends each part its correct one', async (t) => {
  const env = await setup(t);
  const proxy = await editingProxy(t, env.server.endpoint);
  const client = env.clientFor(proxy.endpoint);
  const { file, data } = await makeFile(env.dir, 'm.bin', 4 * PART + 17, 71);

  await uploadFile(client, { bucket: env.bucket, key: 'plain', file, partSize: PART, concurrency: 2 });
  const plain = partPuts(proxy.seen);
  assert.equal(plain.length, 5);
  assert.deepEqual(
    plain.map((r) => r.contentMd5),
    plain.map(() => undefined),
  );
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'plain'), data);

  proxy.seen.length = 0;
  await uploadFile(client, { bucket: env.bucket, key: 'md5', file, partSize: PART, concurrency: 2, contentMd5: true });
  const withMd5 = partPuts(proxy.seen);
  assert.equal(withMd5.length, 5);
  for (const r of withMd5) {
    const n = partNumber(r);
    assert.equal(r.contentMd5, md5(data.subarray((n - 1) * PART, n * PART)), `part ${n}`);
    assert.equal(r.bodyMd5, r.contentMd5);
  }
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'md5'), data);
});

test('a part answered without a CRC-64 is sent again with Content-MD5, so no part is completed unchecked', async (t) => {
  const env = await setup(t);
  const proxy = await editingProxy(t, env.server.endpoint, (req, headers) => {
    if (req.path.includes('partNumber=2&')) delete headers['x-oss-hash-crc64ecma'];
  });
  const client = env.clientFor(proxy.endpoint);
  const { file, data } = await makeFile(env.dir, 'n.bin', 3 * PART, 72);
  await uploadFile(client, { bucket: env.bucket, key: 'n', file, partSize: PART });
  const sent = partPuts(proxy.seen).map((r) => [partNumber(r), r.contentMd5 !== undefined]);
  sent.sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[1]) - Number(b[1]));
  assert.deepEqual(sent, [
    [1, false],
    [2, false],
    [2, true],
    [3, false],
  ]);
  const again = partPuts(proxy.seen).find((r) => partNumber(r) === 2 && r.contentMd5 !== undefined)!;
  assert.equal(again.contentMd5, md5(data.subarray(PART, 2 * PART)));
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'n'), data);
});

test('ossup cp --content-md5 sends a correct Content-MD5 with every part; without it none is sent', async (t) => {
  const env = await setup(t);
  const proxy = await editingProxy(t, env.server.endpoint);
  const box = await sandbox({
    OSS_ENDPOINT: proxy.endpoint,
    OSS_ACCESS_KEY_ID: env.server.credentials.accessKeyId,
    OSS_ACCESS_KEY_SECRET: env.server.credentials.accessKeySecret,
  });
  t.after(() => box.cleanup());
  const { file, data } = await makeFile(env.dir, 'c.bin', 3 * PART, 73);
  const args = (key: string) => [
    'cp',
    file,
    `oss://${env.bucket}/${key}`,
    '--part-size',
    `${PART}`,
    '--no-checkpoint',
    '-q',
  ];

  const plain = await runCli(args('plain'), box.env);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(
    partPuts(proxy.seen).map((r) => r.contentMd5),
    [undefined, undefined, undefined],
  );

  proxy.seen.length = 0;
  const withMd5 = await runCli([...args('md5'), '--content-md5'], box.env);
  assert.equal(withMd5.code, 0, withMd5.stderr);
  const parts = partPuts(proxy.seen);
  assert.equal(parts.length, 3);
  for (const r of parts) {
    const n = partNumber(r);
    assert.equal(r.contentMd5, md5(data.subarray((n - 1) * PART, n * PART)), `part ${n}`);
  }
  assert.deepEqual(await objectBytes(env.client, env.bucket, 'md5'), data);

  const refused = await runCli(['cp', `oss://${env.bucket}/md5`, `${env.dir}/back.bin`, '--content-md5'], box.env);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--content-md5 applies to uploads/);
});
