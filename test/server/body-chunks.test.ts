// limitedBody (server/body.ts) yields each chunk as the request pushed it: never several waiting chunks copied
// into one (what a paused stream's read() does), so a chunk owns its memory and can be handed to the hashing
// thread; the source is paused while the consumer lags, and a source that dies mid-body fails the body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { limitedBody } from '../../src/server/body.js';

const LIMITS = { idleMs: 5000, minRate: 0 };

test('a slow consumer gets the chunks as they were pushed, and the source is paused meanwhile', async () => {
  const src = new Readable({ read() {} });
  const pushed: Buffer[] = [];
  for (let i = 0; i < 40; i++) pushed.push(Buffer.alloc(1000 + i, i));
  let paused = false;
  let at = 0;
  const feed = setInterval(() => {
    if (src.isPaused()) paused = true;
    if (at < pushed.length) src.push(pushed[at++]);
    else {
      src.push(null);
      clearInterval(feed);
    }
  }, 1);
  const got: Buffer[] = [];
  for await (const c of limitedBody(src, LIMITS)) {
    got.push(c);
    await sleep(got.length < 5 ? 60 : 0); // lag behind while chunks pile up
  }
  assert.deepEqual(
    got.map((c) => c.length),
    pushed.map((c) => c.length),
    'one chunk out per chunk in',
  );
  assert.ok(
    got.every((c, i) => c === pushed[i]),
    'the very buffers pushed, not copies',
  );
  assert.ok(paused, 'the source was paused while the consumer lagged');
});

test('a source destroyed mid-body fails the body', async () => {
  const src = new Readable({ read() {} });
  src.push(Buffer.alloc(10));
  setTimeout(() => src.destroy(), 20);
  await assert.rejects(async () => {
    for await (const _ of limitedBody(src, LIMITS)) {
      // consume
    }
  });
});

test('a source that stops sending fails the body with a timeout', async () => {
  const src = new Readable({ read() {} });
  src.push(Buffer.alloc(10));
  await assert.rejects(
    async () => {
      for await (const _ of limitedBody(src, { idleMs: 100, minRate: 0 })) {
        // consume
      }
    },
    { name: 'Error', message: 'no body bytes for 100 ms' },
  );
});
