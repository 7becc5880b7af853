// A tree download of small files, every request counted by a proxy (issue 27's `small-wan`: on a delayed link each
// request is a round trip): one listing, one GET per file (no HEAD before it), over at most --jobs kept-alive
// connections, and each file's bytes as they were put.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startCliServer, stopCliServer } from '../../harness/cli.js';
import { startRequestLog } from '../../harness/request-log.js';

test('cp -r down of many small files: one listing, one GET per file, at most --jobs connections', async () => {
  const srv = await startCliServer('down-reuse');
  const log = await startRequestLog({ host: srv.server.server.host, port: srv.server.server.port });
  try {
    const FILES = 60;
    for (let i = 0; i < FILES; i++)
      await srv.client.putObject('down-reuse', `t/${i % 3}/f${i}.txt`, `file ${i} `.repeat(i));
    const env = { ...srv.box.env, OSS_ENDPOINT: log.endpoint };
    const dest = join(srv.box.dir, 'down');
    const r = await runCli(['cp', '-r', 'oss://down-reuse/t/', dest, '--jobs', '4', '-q'], env);
    assert.equal(r.code, 0, r.stderr);
    const listings = log.requests.filter((q) => /^GET \/down-reuse\/?\?/.test(q));
    const gets = log.requests.filter((q) => q.startsWith('GET /down-reuse/t/'));
    assert.equal(listings.length, 1, 'one ListObjectsV2 page');
    assert.equal(gets.length, FILES, 'one GET per file');
    assert.equal(new Set(gets).size, FILES, 'no file fetched twice');
    assert.equal(log.requests.length, FILES + 1, `nothing else (no HEAD): ${log.requests.join('\n')}`);
    assert.ok(log.connections <= 4, `at most --jobs connections, kept alive: ${log.connections}`);
    for (const i of [0, 1, 31, 59])
      assert.equal(await readFile(join(dest, String(i % 3), `f${i}.txt`), 'utf8'), `file ${i} `.repeat(i));
  } finally {
    await log.close();
    await stopCliServer(srv);
  }
});
