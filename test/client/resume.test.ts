import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { resumableBody, type RetryPolicy } from '../../src/client/index.js';
import { resolveRetryPolicy } from '../../src/client/retry.js';
import { AbortedError, NetworkError, ObjectChangedError } from '../../src/core/errors.js';

const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

function policy(over: Partial<RetryPolicy> = {}): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return Object.assign(
    resolveRetryPolicy({
      random: () => 0.5,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
      ...over,
    }),
    { waits },
  );
}

/** A body of data[offset..] that sends `upTo` more bytes, then fails as a reset connection does (or ends early). */
function failing(offset: number, upTo: number, how: 'reset' | 'short'): Readable {
  const chunk = data.subarray(offset, offset + upTo);
  return new Readable({
    read() {
      if (chunk.length) this.push(chunk.subarray(0));
      if (how === 'short') this.push(null);
      else this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    },
  });
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts);
}

test('a body cut short resumes from the first missing byte until every byte arrived, counting failures from the last progress', async () => {
  const opened: number[] = [];
  const p = policy({ maxAttempts: 2 });
  const body = resumableBody({
    length: data.length,
    policy: p,
    signal: new AbortController().signal,
    label: 'test',
    open: async (offset) => {
      opened.push(offset);
      if (offset >= 900) return Readable.from([data.subarray(offset)]);
      return failing(offset, 300, opened.length % 2 ? 'reset' : 'short');
    },
  });
  assert.deepEqual(await collect(body), data);
  // Each open made progress, so a policy of 2 attempts never ran out although 4 bodies failed.
  assert.deepEqual(opened, [0, 300, 600, 900]);
  assert.equal(p.waits.length, 3);
});

test('failures without progress end the body after maxAttempts with the NetworkError; other errors end it at once', async () => {
  const p = policy({ maxAttempts: 3 });
  let opens = 0;
  const stuck = resumableBody({
    length: 10,
    policy: p,
    signal: new AbortController().signal,
    label: 'bytes 0-9 of oss://b/k',
    open: async () => {
      opens++;
      return failing(0, 0, 'short');
    },
  });
  await assert.rejects(
    collect(stuck),
    (err: unknown) =>
      err instanceof NetworkError && /bytes 0-9 of oss:\/\/b\/k: the response ended after 0 bytes/.test(err.message),
  );
  assert.equal(opens, 3);

  opens = 0;
  const changed = resumableBody({
    length: 10,
    policy: p,
    signal: new AbortController().signal,
    label: 'x',
    open: async () => {
      opens++;
      throw new ObjectChangedError('b', 'k', 'changed');
    },
  });
  await assert.rejects(collect(changed), ObjectChangedError);
  assert.equal(opens, 1);
});

test('an abort is never retried', async () => {
  const ac = new AbortController();
  let opens = 0;
  const body = resumableBody({
    length: data.length,
    policy: policy(),
    signal: ac.signal,
    label: 'x',
    open: async (offset) => {
      opens++;
      ac.abort();
      return failing(offset, 10, 'reset');
    },
  });
  await assert.rejects(collect(body), AbortedError);
  assert.equal(opens, 1);
});
