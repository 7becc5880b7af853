import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  type ChunkReceiver,
  type DeliverableBody,
  deliverResumable,
  resumableBody,
  type RetryPolicy,
} from '../../src/client/index.js';
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

// deliverResumable: the same resumption and retry policy for bodies handed chunk by chunk to a consumer (a body
// that can `deliver`, else its iterator); the consumer's own errors are never retried, its promises pause the body.

/**
 * A delivering body of data[offset..]: `upTo` more bytes in 100-byte chunks (each waiting for the receiver's
 * promise, if any), then a reset (or an early end, or its end). Reading it as an iterable fails the test.
 */
function delivering(offset: number, upTo: number, how: 'reset' | 'short' | 'whole'): DeliverableBody {
  return {
    [Symbol.asyncIterator]: () => {
      throw new Error('read as an iterable');
    },
    destroy: () => undefined,
    deliver: (to: ChunkReceiver) => {
      void (async () => {
        const end = Math.min(data.length, offset + upTo);
        for (let at = offset; at < end; at += 100) {
          const wait = to.push(data.subarray(at, Math.min(end, at + 100)));
          if (wait) {
            try {
              await wait;
            } catch (err) {
              to.fail(err);
              return;
            }
          }
        }
        if (how === 'reset') to.fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        else to.end();
      })();
    },
  };
}

function collector(): { push: (c: Uint8Array) => undefined; all: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    push: (c) => {
      parts.push(Buffer.from(c));
      return undefined;
    },
    all: () => Buffer.concat(parts),
  };
}

test('a delivered body cut short is continued from the first missing byte; failures count from the last progress', async () => {
  const opened: number[] = [];
  const p = policy({ maxAttempts: 2 });
  const out = collector();
  await deliverResumable(
    {
      length: data.length,
      policy: p,
      signal: new AbortController().signal,
      label: 'test',
      open: async (offset) => {
        opened.push(offset);
        if (offset >= 900) return delivering(offset, 1000, 'whole');
        return delivering(offset, 300, opened.length % 2 ? 'reset' : 'short');
      },
    },
    out.push,
  );
  assert.deepEqual(out.all(), data);
  assert.deepEqual(opened, [0, 300, 600, 900]);
  assert.equal(p.waits.length, 3);
});

test('failures without progress end the delivery after maxAttempts with the NetworkError', async () => {
  let opens = 0;
  const err = await deliverResumable(
    {
      length: 10,
      policy: policy({ maxAttempts: 3 }),
      signal: new AbortController().signal,
      label: 'bytes 0-9 of oss://b/k',
      open: async () => {
        opens++;
        return delivering(0, 0, 'short');
      },
    },
    collector().push,
  ).catch((e: unknown) => e);
  assert.ok(err instanceof NetworkError && /the response ended after 0 bytes/.test(err.message), String(err));
  assert.equal(opens, 3);
});

test("the consumer's own error (thrown or a rejected promise) ends the delivery as it is, never retried", async () => {
  for (const refuse of ['throw', 'reject'] as const) {
    let opens = 0;
    const mine = new Error('disk full');
    const err = await deliverResumable(
      {
        length: data.length,
        policy: policy({ maxAttempts: 5 }),
        signal: new AbortController().signal,
        label: 'x',
        open: async (offset) => {
          opens++;
          return delivering(offset, 1000, 'whole');
        },
      },
      (chunk) => {
        if (chunk[0] !== 200 % 251) return undefined;
        if (refuse === 'throw') throw mine;
        return Promise.reject(mine);
      },
    ).catch((e: unknown) => e);
    assert.equal(err, mine, refuse);
    assert.equal(opens, 1, refuse);
  }
});

test("the consumer's promises pause the body: no chunk is pushed while one is pending", async () => {
  let pending = false;
  let pushes = 0;
  await deliverResumable(
    {
      length: data.length,
      policy: policy(),
      signal: new AbortController().signal,
      label: 'x',
      open: async (offset) => delivering(offset, 1000, 'whole'),
    },
    () => {
      assert.equal(pending, false, 'pushed while a store was pending');
      pushes++;
      pending = true;
      return new Promise<void>((r) =>
        setTimeout(() => {
          pending = false;
          r();
        }, 1),
      );
    },
  );
  assert.equal(pushes, 10);
});

test('a body that cannot deliver is read as an iterable; an abort is never retried', async () => {
  const out = collector();
  let opens = 0;
  await deliverResumable(
    {
      length: data.length,
      policy: policy(),
      signal: new AbortController().signal,
      label: 'x',
      open: async (offset) => {
        opens++;
        const rest = data.subarray(offset);
        return {
          async *[Symbol.asyncIterator]() {
            yield rest.subarray(0, 500);
            if (offset === 0) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
            yield rest.subarray(500);
          },
          destroy: () => undefined,
        };
      },
    },
    out.push,
  );
  assert.deepEqual(out.all(), data);
  assert.equal(opens, 2);

  const ac = new AbortController();
  opens = 0;
  const err = await deliverResumable(
    {
      length: data.length,
      policy: policy(),
      signal: ac.signal,
      label: 'x',
      open: async (offset) => {
        opens++;
        ac.abort();
        return delivering(offset, 10, 'reset');
      },
    },
    collector().push,
  ).catch((e: unknown) => e);
  assert.ok(err instanceof AbortedError, String(err));
  assert.equal(opens, 1);
});
