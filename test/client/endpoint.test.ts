import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEndpoint, regionFromHost, requestUrl } from '../../src/client/endpoint.js';
import { EnvCredentialsProvider, toProvider } from '../../src/client/credentials.js';
import { ArgumentError } from '../../src/core/errors.js';

test('region is derived from oss-<region> hosts', () => {
  assert.equal(regionFromHost('oss-cn-hangzhou.aliyuncs.com'), 'cn-hangzhou');
  assert.equal(regionFromHost('oss-cn-hangzhou-internal.aliyuncs.com'), 'cn-hangzhou');
  assert.equal(regionFromHost('bucket.oss-ap-southeast-1.aliyuncs.com'), 'ap-southeast-1');
  assert.equal(regionFromHost('oss-accelerate.aliyuncs.com'), undefined);
  assert.equal(regionFromHost('files.example.com'), undefined);
});

test('virtual-hosted by default, path-style for IPs/localhost or on request, CNAME without bucket', () => {
  const vh = parseEndpoint('oss-cn-hangzhou.aliyuncs.com');
  assert.equal(vh.protocol, 'https:');
  assert.equal(requestUrl(vh, 'b', 'a/b c.txt', []), 'https://b.oss-cn-hangzhou.aliyuncs.com/a/b%20c.txt');
  assert.equal(requestUrl(vh, undefined, undefined, []), 'https://oss-cn-hangzhou.aliyuncs.com/');
  const ip = parseEndpoint('http://127.0.0.1:9000');
  assert.equal(ip.pathStyle, true);
  assert.equal(
    requestUrl(ip, 'b', 'k', [
      ['uploadId', 'X'],
      ['partNumber', '3'],
    ]),
    'http://127.0.0.1:9000/b/k?uploadId=X&partNumber=3',
  );
  assert.equal(requestUrl(ip, 'b', undefined, [['uploads', '']]), 'http://127.0.0.1:9000/b/?uploads');
  assert.equal(parseEndpoint('http://localhost:1').pathStyle, true);
  assert.equal(parseEndpoint('http://[::1]:1').pathStyle, true);
  assert.equal(parseEndpoint('https://oss.example.com', { pathStyle: true }).pathStyle, true);
  const cname = parseEndpoint('https://files.example.com', { cname: true });
  assert.equal(requestUrl(cname, 'b', 'k', []), 'https://files.example.com/k');
  assert.equal(vh.url, 'https://oss-cn-hangzhou.aliyuncs.com');
});

test('keys are percent-encoded except unreserved characters and slashes', () => {
  const ep = parseEndpoint('http://127.0.0.1:1');
  assert.equal(
    requestUrl(ep, 'b', "a+b/c d/ü!'()*~._-", []),
    'http://127.0.0.1:1/b/a%2Bb/c%20d/%C3%BC%21%27%28%29%2A~._-',
  );
});

test('credentials come from options or the environment (with STS token)', async () => {
  const env = { OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'sec', OSS_SESSION_TOKEN: 'tok' };
  assert.deepEqual(await new EnvCredentialsProvider(env).getCredentials(), {
    accessKeyId: 'id',
    accessKeySecret: 'sec',
    securityToken: 'tok',
  });
  await assert.rejects(
    new EnvCredentialsProvider({}).getCredentials(),
    (e: unknown) => e instanceof ArgumentError && e.field === 'credentials',
  );
  assert.deepEqual(await toProvider({ accessKeyId: 'a', accessKeySecret: 'b' }).getCredentials(), {
    accessKeyId: 'a',
    accessKeySecret: 'b',
  });
  let n = 0;
  const rotating = { getCredentials: async () => ({ accessKeyId: `k${++n}`, accessKeySecret: 's' }) };
  const p = toProvider(rotating);
  assert.equal((await p.getCredentials()).accessKeyId, 'k1');
  assert.equal((await p.getCredentials()).accessKeyId, 'k2');
  assert.throws(() => toProvider({ accessKeyId: '', accessKeySecret: 'x' }), ArgumentError);
});
