import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { serve } from '../../src/server/serve.js';
import { call, mkBucket, put } from '../../harness/oss-http.js';

function capture(): { stream: PassThrough; text: () => string; line: (re: RegExp) => Promise<RegExpExecArray> } {
  const stream = new PassThrough();
  let text = '';
  const waiters: Array<() => void> = [];
  stream.on('data', (c: Buffer) => {
    text += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  const line = async (re: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const m = re.exec(text);
      if (m) return m;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { stream, text: () => text, line };
}

test('serve generates and prints credentials when none are given, prints one ready line, and stops', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-serve-'));
  const saved = { id: process.env.OSS_ACCESS_KEY_ID, secret: process.env.OSS_ACCESS_KEY_SECRET };
  delete process.env.OSS_ACCESS_KEY_ID;
  delete process.env.OSS_ACCESS_KEY_SECRET;
  const out = capture();
  const stop = new AbortController();
  try {
    const done = serve({ root, port: 0 }, { stdout: out.stream, stderr: new PassThrough(), stopSignal: stop.signal });
    const creds = await out.line(
      /^ossup serve: generated credentials OSS_ACCESS_KEY_ID=(\S+) OSS_ACCESS_KEY_SECRET=(\S+)$/m,
    );
    const ready = await out.line(/^ossup serve: listening on (http:\/\/127\.0\.0\.1:\d+) \(root (.+)\)$/m);
    assert.equal(ready[2], root);
    const target = { endpoint: ready[1]!, credentials: { accessKeyId: creds[1]!, accessKeySecret: creds[2]! } };
    await mkBucket(target, 'served');
    await put(target, 'served', 'k', 'v');
    assert.equal((await call(target, { bucket: 'served', key: 'k' })).text, 'v');
    stop.abort();
    await done;
    assert.equal(out.text().match(/listening on/g)!.length, 1);
    assert.match(out.text(), /ossup serve: stopped\n$/);
  } finally {
    if (saved.id !== undefined) process.env.OSS_ACCESS_KEY_ID = saved.id;
    if (saved.secret !== undefined) process.env.OSS_ACCESS_KEY_SECRET = saved.secret;
    await rm(root, { recursive: true, force: true });
  }
});

test('serve takes credentials from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET and prints none', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-serve-'));
  const saved = { id: process.env.OSS_ACCESS_KEY_ID, secret: process.env.OSS_ACCESS_KEY_SECRET };
  process.env.OSS_ACCESS_KEY_ID = 'env-ak';
  process.env.OSS_ACCESS_KEY_SECRET = 'env-secret';
  const out = capture();
  const stop = new AbortController();
  try {
    const done = serve({ root, port: 0 }, { stdout: out.stream, stderr: new PassThrough(), stopSignal: stop.signal });
    const ready = await out.line(/^ossup serve: listening on (\S+) /m);
    await mkBucket(
      { endpoint: ready[1]!, credentials: { accessKeyId: 'env-ak', accessKeySecret: 'env-secret' } },
      'env-bucket',
    );
    assert.doesNotMatch(out.text(), /generated credentials/);
    stop.abort();
    await done;
  } finally {
    if (saved.id === undefined) delete process.env.OSS_ACCESS_KEY_ID;
    else process.env.OSS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.OSS_ACCESS_KEY_SECRET;
    else process.env.OSS_ACCESS_KEY_SECRET = saved.secret;
    await rm(root, { recursive: true, force: true });
  }
});
