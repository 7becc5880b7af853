// `ossup serve --throttle`: a bandwidth, a request rate, or both; anything else is one clear usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throttleFlag } from '../../src/cli/commands/serve.js';
import { UsageError } from '../../src/cli/usage-error.js';

test('--throttle takes 8MiB/s, 100qps, or both', () => {
  assert.deepEqual(throttleFlag('8MiB/s'), { bytesPerSecond: 8 * 1024 ** 2 });
  assert.deepEqual(throttleFlag('100qps'), { requestsPerSecond: 100 });
  assert.deepEqual(throttleFlag('1M/s, 5QPS'), { bytesPerSecond: 1024 ** 2, requestsPerSecond: 5 });
  assert.equal(throttleFlag(undefined), undefined);
});

test('--throttle refuses what it cannot read, and a limit of 0', () => {
  for (const bad of ['fast', '8MiB', '0qps', '0/s', 'x/s']) {
    assert.throws(
      () => throttleFlag(bad),
      (e: unknown) => e instanceof UsageError && /--throttle/.test(e.message),
      bad,
    );
  }
});
