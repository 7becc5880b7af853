// `ossup sign`: the URL it prints works with plain node:http (no SDK, no credentials) and stops working once it
// expires, measured on the server's injectable clock.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { lastJson, runCli, sandbox, STACK, type Sandbox } from '../../harness/cli.js';

let server: TestServer;
let box: Sandbox;
let client: OssClient;
/** Added to the server's clock: moves the server past a URL's expiry without waiting. */
let skewMs = 0;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

before(async () => {
  server = await startTestServer({ now: () => Date.now() + skewMs });
  box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket('sign-test');
});
after(async () => {
  await client.close();
  await server.close();
  await box.cleanup();
});

/** One plain HTTP request, no SDK: what curl does with the URL. */
function plain(
  url: string,
  method: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent: false, headers: body ? { ...headers, 'content-length': String(body.length) } : headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function signed(...args: string[]): Promise<string> {
  const r = await ossup('sign', ...args);
  assert.equal(r.code, 0, r.stderr);
  const url = r.stdout.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/sign-test\//);
  return url;
}

for (const signature of ['v4', 'v1'] as const) {
  test(`a ${signature} URL PUTs and GETs with plain HTTP, then stops working after it expires`, async () => {
    skewMs = 0;
    const key = `shared dir/${signature} file+1.bin`;
    const data = randomBytes(300 * 1024);
    const put = await signed(`oss://sign-test/${key}`, '--method', 'PUT', '--expires', '10m', '--signature', signature);
    assert.equal((await plain(put, 'PUT', data)).status, 200);
    assert.deepEqual((await client.getObject('sign-test', key)).size, data.length);

    const get = await signed(`oss://sign-test/${key}`, '--expires', '10m', '--signature', signature);
    const got = await plain(get, 'GET');
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(data), "the bytes fetched through the URL are the object's");
    // A URL for one method does not allow another.
    assert.equal((await plain(get, 'PUT', Buffer.from('overwrite'))).status, 403);

    skewMs = 11 * 60_000;
    const expired = await plain(get, 'GET');
    assert.equal(expired.status, 403, "the URL no longer works once the server's clock is past its expiry");
    assert.match(expired.body.toString(), /<Code>AccessDenied<\/Code>/);
    assert.equal((await plain(put, 'PUT', data)).status, 403);
    skewMs = 0;
  });
}

test('a PUT URL signed with --content-type needs that Content-Type', async () => {
  const url = await signed('oss://sign-test/typed.json', '--method', 'PUT', '--content-type', 'application/json');
  assert.equal((await plain(url, 'PUT', Buffer.from('{}'), { 'content-type': 'application/json' })).status, 200);
  assert.equal((await plain(url, 'PUT', Buffer.from('{}'), { 'content-type': 'text/plain' })).status, 403);
  assert.equal((await client.headObject('sign-test', 'typed.json')).contentType, 'application/json');
});

test('--json names the URL, method and expiry', async () => {
  const r = await ossup('sign', 'oss://sign-test/a.txt', '--expires', '2h', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = lastJson(r.stdout);
  assert.equal(j.method, 'GET');
  assert.equal(j.signature, 'v4');
  assert.match(String(j.url), /x-oss-expires=7200/);
  const expires = Date.parse(String(j.expires));
  assert.ok(Math.abs(expires - (Date.now() + 7200_000)) < 60_000);
});

test('bad --expires and bad targets exit 2 with one line', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['oss://sign-test/a', '--expires', '8d'], /longer than 7d/],
    [['oss://sign-test/a', '--expires', 'soon'], /--expires: "soon" is not a duration/],
    [['oss://sign-test/a', '--expires', '3600'], /is not a duration/],
    [['oss://sign-test/'], /names no object/],
    [['oss://sign-test/a', '--content-type', 'text/plain'], /applies to --method PUT/],
    [['oss://sign-test/a', '--method', 'DELETE'], /DELETE/],
  ];
  for (const [args, message] of cases) {
    const r = await ossup('sign', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, STACK);
    assert.equal(r.stdout, '');
  }
  // V1 has no maximum: a long-lived URL is allowed.
  assert.equal((await ossup('sign', 'oss://sign-test/a', '--expires', '30d', '--signature', 'v1')).code, 0);
  // No endpoint: the embedded server would be gone by the time the URL is used.
  const r = await runCli(['sign', 'oss://sign-test/a'], box.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /embedded server runs only while a command runs/);
});
