// A single-object download's requests, counted by a proxy (issue 27: each request is CPU on both ends and, on a
// delayed link, a round trip): one HEAD whatever the flags (the engine's HEAD gives the mtime restored afterwards;
// a HEAD the CLI made to size the ranges is handed to the engine), one ranged GET per range, no more connections
// than --parallel, and the bytes and mtime of the object.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startCliServer, stopCliServer } from '../../harness/cli.js';
import { startRequestLog } from '../../harness/request-log.js';

const B = 'dl-requests';
const MiB = 1024 * 1024;

test('cp down of one object: one HEAD, one GET per range, at most --parallel connections, mtime restored', async () => {
  const srv = await startCliServer(B);
  const log = await startRequestLog({ host: srv.server.server.host, port: srv.server.server.port });
  try {
    const data = randomBytes(3 * MiB + 5);
    await srv.client.putObject(B, 'big.bin', data, { meta: { mtime: '1614834367.250' } });
    const when = new Date('2021-03-04T05:06:07.250Z');
    const env = { ...srv.box.env, OSS_ENDPOINT: log.endpoint };

    // Ranges sized by the flags: the CLI sends no HEAD of its own.
    const flagged = join(srv.box.dir, 'flagged.bin');
    const r = await runCli(['cp', `oss://${B}/big.bin`, flagged, '--part-size', '1M', '--parallel', '2', '-q'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      log.requests.filter((q) => q.startsWith('HEAD ')),
      [`HEAD /${B}/big.bin`],
      `one HEAD: ${log.requests.join('\n')}`,
    );
    const gets = log.requests.filter((q) => q.startsWith('GET '));
    assert.equal(gets.length, 4, 'one GET per 1 MiB range');
    assert.equal(log.requests.length, 5, `nothing else: ${log.requests.join('\n')}`);
    assert.deepEqual(
      [...log.ranges].sort((a, b) => a.start - b.start),
      [0, 1, 2, 3].map((i) => ({ start: i * MiB, end: Math.min((i + 1) * MiB, data.length) - 1 })),
    );
    assert.ok(log.connections <= 2, `at most --parallel connections: ${log.connections}`);
    assert.ok((await readFile(flagged)).equals(data));
    assert.equal((await stat(flagged)).mtime.toISOString(), when.toISOString());

    // Ranges sized from the object: the CLI's HEAD is the engine's too.
    log.requests.length = 0;
    const plain = join(srv.box.dir, 'plain.bin');
    const p = await runCli(['cp', `oss://${B}/big.bin`, plain, '-q'], env);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(log.requests.filter((q) => q.startsWith('HEAD ')).length, 1, `one HEAD: ${log.requests.join('\n')}`);
    assert.ok(
      log.requests.every((q) => q.startsWith('HEAD ') || q.startsWith('GET ')),
      log.requests.join('\n'),
    );
    assert.ok((await readFile(plain)).equals(data));
    assert.equal((await stat(plain)).mtime.toISOString(), when.toISOString());
  } finally {
    await log.close();
    await stopCliServer(srv);
  }
});
