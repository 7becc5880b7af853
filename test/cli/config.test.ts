import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOssutilConfig, resolveTarget } from '../../src/cli/config.js';
import { UsageError } from '../../src/cli/usage-error.js';

const OSSUTIL = `
[Credentials]
language=EN
endpoint=oss-cn-shanghai.aliyuncs.com
accessKeyID=cfgId
accessKeySecret=cfgSecret
stsToken=cfgToken
`;

test("ossutil config: [Credentials] with ossutil's own key spelling", () => {
  assert.deepEqual(parseOssutilConfig(OSSUTIL), {
    endpoint: 'oss-cn-shanghai.aliyuncs.com',
    accessKeyId: 'cfgId',
    accessKeySecret: 'cfgSecret',
    stsToken: 'cfgToken',
    region: undefined,
  });
  assert.deepEqual(parseOssutilConfig('[other]\nendpoint=x\n'), {});
});

test('ossutil config: quoted values, comments, [default], and profiles ([profile NAME] or [NAME])', () => {
  const text = [
    '; ossutil 2.x',
    '[default]',
    'endpoint = oss-cn-beijing.aliyuncs.com ; trailing comment',
    "accessKeyId = 'id with spaces'",
    'accessKeySecret = "s;#ecret"',
    '',
    '[profile dev]',
    'endpoint=http://127.0.0.1:9000',
    'accessKeyId=devId',
    'accessKeySecret=devSecret',
    '[Old]',
    'region=cn-hangzhou',
  ].join('\n');
  assert.deepEqual(parseOssutilConfig(text), {
    endpoint: 'oss-cn-beijing.aliyuncs.com',
    accessKeyId: 'id with spaces',
    accessKeySecret: 's;#ecret',
    stsToken: undefined,
    region: undefined,
  });
  assert.deepEqual(parseOssutilConfig(text, 'DEV'), {
    endpoint: 'http://127.0.0.1:9000',
    accessKeyId: 'devId',
    accessKeySecret: 'devSecret',
    stsToken: undefined,
    region: undefined,
  });
  assert.equal(parseOssutilConfig(text, 'old')?.region, 'cn-hangzhou');
  assert.equal(parseOssutilConfig(text, 'missing'), undefined);
});

test('flags win over env, env over the ossutil config, field by field', () => {
  const cfg = parseOssutilConfig(OSSUTIL)!;
  const env = {
    OSS_ENDPOINT: 'http://127.0.0.1:9000',
    OSS_ACCESS_KEY_ID: 'envId',
    OSS_ACCESS_KEY_SECRET: 'envSecret',
    OSS_REGION: 'cn-beijing',
  };
  const fromFlag = resolveTarget({ endpoint: 'https://flag.example', region: 'flag-region' }, env, cfg);
  assert.equal(fromFlag.kind, 'remote');
  assert.deepEqual(
    fromFlag.kind === 'remote' && [fromFlag.endpoint, fromFlag.region, fromFlag.accessKeyId, fromFlag.source],
    ['https://flag.example', 'flag-region', 'envId', 'flag'],
  );
  const fromEnv = resolveTarget({}, env, cfg);
  assert.deepEqual(fromEnv.kind === 'remote' && [fromEnv.endpoint, fromEnv.region, fromEnv.securityToken], [
    'http://127.0.0.1:9000',
    'cn-beijing',
    undefined,
  ]);
  const fromCfg = resolveTarget({}, {}, cfg);
  assert.deepEqual(fromCfg.kind === 'remote' && [fromCfg.endpoint, fromCfg.accessKeyId, fromCfg.securityToken], [
    'https://oss-cn-shanghai.aliyuncs.com',
    'cfgId',
    'cfgToken',
  ]);
});

test('no endpoint anywhere means the embedded default under $OSSUP_HOME', () => {
  const t = resolveTarget({}, { OSSUP_HOME: '/tmp/x', OSS_ACCESS_KEY_ID: 'a', OSS_ACCESS_KEY_SECRET: 'b' }, {});
  assert.deepEqual(t, { kind: 'embedded', region: undefined, home: '/tmp/x' });
});

test('an endpoint without credentials, or a bad endpoint, is a usage error', () => {
  assert.throws(
    () => resolveTarget({ endpoint: 'http://127.0.0.1:1' }, {}, {}),
    (e) => e instanceof UsageError && /no credentials/.test(e.message),
  );
  assert.throws(
    () => resolveTarget({ endpoint: 'ftp://x' }, { OSS_ACCESS_KEY_ID: 'a', OSS_ACCESS_KEY_SECRET: 'b' }, {}),
    UsageError,
  );
});
