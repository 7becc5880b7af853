// `ossup cors set|get|rm`: the default rule is what a browser uploader needs, and the rule it stores really answers
// a browser's preflight; flags change it; bad input is one clear line and exit 2, with nothing stored.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { lastJson, runCli, STACK, startCliServer, stopCliServer, type Sandbox } from '../../harness/cli.js';
import { send } from '../../harness/oss-http.js';
import type { TestServer } from '../../harness/server.js';
import type { OssClient } from '../../src/client/index.js';
import { ServiceError } from '../../src/core/errors.js';

const B = 'cli-cors';
let server: TestServer;
let box: Sandbox;
let client: OssClient;
const ossup = (...args: string[]) => runCli([...args, '--endpoint', server.endpoint], box.env);

before(async () => {
  ({ server, box, client } = await startCliServer(B));
});
after(() => stopCliServer({ server, box, client }));

/** A browser's preflight of an UploadPart from `origin`. */
const preflight = (origin: string, method = 'PUT', headers = 'content-type, x-oss-date, x-oss-content-sha256') =>
  send(server.endpoint, 'OPTIONS', `/${B}/f.bin?partNumber=1&uploadId=X`, {
    origin,
    'access-control-request-method': method,
    'access-control-request-headers': headers,
  });

async function storedRules() {
  try {
    return (await client.getBucketCors(B)).rules;
  } catch (err) {
    if (err instanceof ServiceError && err.code === 'NoSuchCORSConfiguration') return [];
    throw err;
  }
}

test('cors set: the default rule lets a page on the origin upload, and exposes what an uploader reads', async () => {
  await client.deleteBucketCors(B);
  assert.equal((await preflight('http://localhost:5173')).status, 403, 'refused before');
  const r = await ossup('cors', 'set', `oss://${B}`, '--origin', 'http://localhost:5173');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^oss:\/\/cli-cors: 1 CORS rule\n/);
  assert.match(r.stdout, /\n {2}origins: {2}http:\/\/localhost:5173\n/);
  assert.deepEqual(await storedRules(), [
    {
      allowedOrigins: ['http://localhost:5173'],
      allowedMethods: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'],
      allowedHeaders: ['*'],
      exposeHeaders: ['ETag', 'x-oss-hash-crc64ecma', 'x-oss-request-id', 'x-oss-version-id'],
      maxAgeSeconds: 600,
    },
  ]);
  const ok = await preflight('http://localhost:5173');
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.headers['access-control-allow-origin'], 'http://localhost:5173');
  assert.equal(
    ok.headers['access-control-expose-headers'],
    'ETag, x-oss-hash-crc64ecma, x-oss-request-id, x-oss-version-id',
  );
  assert.equal(ok.headers['access-control-max-age'], '600');
  assert.equal((await preflight('http://localhost:8080')).status, 403, 'another origin is still refused');
});

test('cors set: --origin repeats; --methods, --headers, --expose, --max-age replace the defaults; --json', async () => {
  const r = await ossup(
    'cors',
    'set',
    `oss://${B}`,
    '--origin',
    'http://localhost:5173',
    '--origin',
    'https://*.example.com',
    '--methods',
    'put, post',
    '--headers',
    'Content-Type,x-oss-date',
    '--expose',
    'ETag,x-oss-request-id',
    '--max-age',
    '30',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const rule = {
    allowedOrigins: ['http://localhost:5173', 'https://*.example.com'],
    allowedMethods: ['PUT', 'POST'],
    allowedHeaders: ['content-type', 'x-oss-date'],
    exposeHeaders: ['ETag', 'x-oss-request-id'],
    maxAgeSeconds: 30,
  };
  assert.deepEqual(lastJson(r.stdout), { bucket: B, rules: [rule], responseVary: false });
  assert.deepEqual(await storedRules(), [rule]);
  assert.equal((await preflight('https://app.example.com', 'POST', 'x-oss-date')).status, 200);
  assert.equal((await preflight('https://app.example.com', 'GET', 'x-oss-date')).status, 403, 'GET is not allowed');
  assert.equal((await preflight('https://app.example.com')).status, 403, 'x-oss-content-sha256 is not allowed');
  const get = await ossup('cors', 'get', `oss://${B}`, '--json');
  assert.equal(get.code, 0, get.stderr);
  assert.deepEqual(lastJson(get.stdout), { bucket: B, rules: [rule], responseVary: false });
});

test('cors get and rm: no rules is an empty list (exit 0); rm removes them', async () => {
  await ossup('cors', 'set', `oss://${B}`, '--origin', '*');
  let r = await ossup('cors', 'rm', `oss://${B}`, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lastJson(r.stdout), { bucket: B, rules: [], responseVary: false });
  assert.deepEqual(await storedRules(), []);
  assert.equal((await preflight('http://localhost:5173')).status, 403);
  r = await ossup('cors', 'get', `oss://${B}`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'oss://cli-cors: no CORS rules (browsers on other origins are refused)\n');
  r = await ossup('cors', 'get', `oss://${B}`, '--json');
  assert.deepEqual(lastJson(r.stdout), { bucket: B, rules: [], responseVary: false });
});

test('bad input: one clear line, exit 2, nothing stored', async () => {
  await ossup('cors', 'rm', `oss://${B}`);
  const cases: Array<[string[], RegExp]> = [
    [[], /cors set needs --origin/],
    [['--origin', 'localhost:5173'], /--origin "localhost:5173" is not an origin\nhint: an origin is scheme:\/\/host/],
    [['--origin', 'http://localhost:5173/'], /ends in "\/".*\nhint: write --origin http:\/\/localhost:5173\n/],
    [['--origin', 'http://*.*.example.com'], /is not an origin/],
    [['--origin', 'http://a.test', '--methods', 'GET,PATCH'], /--methods: "PATCH" is not one of GET, PUT, POST/],
    [['--origin', 'http://a.test', '--methods', ' , '], /--methods " , " names nothing/],
    [['--origin', 'http://a.test', '--expose', 'x-oss-*'], /--expose: "x-oss-\*" cannot hold a wildcard/],
    [['--origin', 'http://a.test', '--max-age', '1h'], /--max-age "1h" must be a whole number of seconds/],
  ];
  for (const [args, message] of cases) {
    const r = await ossup('cors', 'set', `oss://${B}`, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, STACK);
  }
  const key = await ossup('cors', 'get', `oss://${B}/key`);
  assert.equal(key.code, 2);
  assert.match(key.stderr, /cors get takes a bucket \(oss:\/\/bucket\), not "oss:\/\/cli-cors\/key"/);
  assert.deepEqual(await storedRules(), []);
});

test('a bucket that does not exist: exit 1 with the way out', async () => {
  const r = await ossup('cors', 'set', 'oss://no-such-bucket-here', '--origin', 'http://a.test');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /setting the CORS rules of oss:\/\/no-such-bucket-here failed: .*NoSuchBucket/);
  assert.match(r.stderr, /hint: create it with: ossup mb oss:\/\/no-such-bucket-here/);
});

test('help of each cors command fits 80 columns and names its flags', async () => {
  for (const sub of ['set', 'get', 'rm']) {
    const r = await runCli(['cors', sub, '--help'], { ...box.env, COLUMNS: '80' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.split('\n').filter((l) => l.length > 80),
      [],
    );
  }
  const set = await runCli(['cors', 'set', '--help'], { ...box.env, COLUMNS: '80' });
  for (const flag of ['--origin', '--methods', '--headers', '--expose', '--max-age'])
    assert.match(set.stdout, new RegExp(flag));
});
