import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError, NetworkError, ServiceError } from '../../src/core/errors.js';
import {
  abortableSleep,
  backoffDelay,
  isRetryable,
  isThrottle,
  parseRetryAfter,
  resolveRetryPolicy,
  serverDelay,
} from '../../src/client/retry.js';

const svc = (status: number, code = 'X') => new ServiceError({ status, code, message: code });

test('which failures are retried', () => {
  const p = resolveRetryPolicy();
  for (const s of [500, 502, 503, 504, 429, 408]) assert.equal(isRetryable(svc(s), p), true, `status ${s}`);
  for (const s of [400, 401, 403, 404, 409, 412, 416, 203]) assert.equal(isRetryable(svc(s), p), false, `status ${s}`);
  assert.equal(isRetryable(new NetworkError('reset'), p), true);
  assert.equal(
    isRetryable(svc(400, 'RequestTimeout'), p),
    true,
    'a stalled body (the server stored nothing) is sent again',
  );
  for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ERR_STREAM_PREMATURE_CLOSE']) {
    assert.equal(isRetryable(Object.assign(new Error(code), { code }), p), true, code);
  }
  assert.equal(isRetryable(Object.assign(new Error('x'), { code: 'ENOENT' }), p), false);
  assert.equal(isRetryable(new AbortedError(), p), false);
  assert.equal(isRetryable(new TypeError('bug'), p), false);
});

test('full-jitter backoff grows exponentially up to the cap, scaled by the random source', () => {
  const top = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, top)),
    [99, 199, 399, 799, 999, 999],
  );
  const bottom = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
  assert.equal(backoffDelay(4, bottom), 0);
  const half = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
  assert.equal(backoffDelay(3, half), 200);
});

test('Retry-After is honoured (seconds or date) and capped', () => {
  const p = resolveRetryPolicy({ maxRetryAfterMs: 30_000, random: () => 0 });
  assert.equal(backoffDelay(1, p, parseRetryAfter('3', 0)), 3000);
  assert.equal(backoffDelay(1, p, parseRetryAfter('3600', 0)), 30_000);
  const now = Date.parse('Sat, 21 Nov 2026 10:00:00 GMT');
  assert.equal(parseRetryAfter('Sat, 21 Nov 2026 10:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('nonsense', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('a backoff sleep ends at once with AbortedError when the signal fires', async () => {
  const ac = new AbortController();
  const started = Date.now();
  const sleeping = abortableSleep(60_000, ac.signal);
  setTimeout(() => ac.abort(), 10);
  await assert.rejects(sleeping, AbortedError);
  assert.ok(Date.now() - started < 5000);
  await assert.rejects(abortableSleep(10, ac.signal), AbortedError);
});

test('x-oss-qos-delay-time (ms) and Retry-After (s) set the wait, the precise one first', () => {
  assert.equal(serverDelay({ 'x-oss-qos-delay-time': '250' }, 0), 250);
  assert.equal(serverDelay({ 'retry-after': '2' }, 0), 2000);
  assert.equal(serverDelay({ 'x-oss-qos-delay-time': '250', 'retry-after': '1' }, 0), 250, 'the precise one wins');
  assert.equal(serverDelay({ 'x-oss-qos-delay-time': 'soon', 'retry-after': '1' }, 0), 1000);
  assert.equal(serverDelay({ 'x-oss-qos-delay-time': 'soon' }, 0), undefined);
  assert.equal(serverDelay({}, 0), undefined);
  const p = resolveRetryPolicy({ random: () => 0.999999 });
  assert.equal(backoffDelay(5, p, 250), 250, 'the wait asked for, however many refusals came before');
});

test("OSS's throttling answers are told apart from other failures", () => {
  for (const [status, code] of [
    [503, 'UploadTrafficRateLimitExceeded'],
    [503, 'DownloadTrafficRateLimitExceeded'],
    [503, 'TotalQpsLimitExceeded'],
    [503, 'ServiceUnavailable'],
    [429, 'TooManyRequests'],
    [503, 'SlowDown'],
  ] as const)
    assert.equal(isThrottle(svc(status, code)), true, code);
  for (const e of [svc(500, 'InternalError'), svc(404, 'NoSuchKey'), new NetworkError('reset')])
    assert.equal(isThrottle(e), false);
});
