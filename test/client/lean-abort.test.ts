// The lean client's abort listener: one per connection and signal, kept between exchanges (src/client/lean/
// connection.ts). An abort fails the exchange in flight that carries the signal, never an idle socket's next one,
// and a closed connection leaves no listener behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError } from '../../src/core/errors.js';
import { rawServerClient } from '../helpers/raw-client.js';
import { rawServer } from '../helpers/raw-server.js';

test('one abort listener per connection; an abort fails only the exchange in flight that carries it', async (t) => {
  const srv = await rawServer(t, (socket, head) => {
    if (head.includes('/stall'))
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf'); // never ends
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const c = rawServerClient(t, srv.endpoint);
  const first = new AbortController();
  for (let i = 0; i < 5; i++) {
    const res = await c.getObject('bkt', 'k', { signal: first.signal });
    for await (const _ of res.body);
  }
  assert.equal(getEventListeners(first.signal, 'abort').length, 1, 'five requests, one connection, one listener');
  first.abort(); // nothing in flight carries it: the idle socket stays usable
  const second = new AbortController();
  const res = await c.getObject('bkt', 'k', { signal: second.signal });
  for await (const _ of res.body);
  assert.equal(srv.connections, 1, 'the idle socket served the next request');
  assert.equal(getEventListeners(first.signal, 'abort').length, 0, 'moved to the new signal');

  const stalled = await c.getObject('bkt', 'stall', { signal: second.signal });
  const reading = (async () => {
    for await (const _ of stalled.body);
  })();
  await sleep(20);
  second.abort();
  await assert.rejects(reading, (err: unknown) => err instanceof AbortedError || (err as Error).name === 'AbortError');
  await sleep(20);
  assert.equal(getEventListeners(second.signal, 'abort').length, 0, 'the failed socket closed and stopped listening');
});
