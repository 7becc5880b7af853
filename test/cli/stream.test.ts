// `ossup cp - oss://...`, `ossup cp oss://... -` and `ossup cat`, run as a shell pipeline runs them: bytes in on
// stdin, bytes out on stdout, compared byte for byte; Ctrl-C leaves no upload behind; a damaged download says the
// bytes already written are not the object's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { lastJson, OSSUP, sandbox, STACK, type Sandbox } from '../../harness/cli.js';

const BUCKET = 'cli-stream';
const PART = 100 * 1024;
let server: TestServer;
let box: Sandbox;
let client: OssClient;

before(async () => {
  server = await startTestServer();
  box = await sandbox();
  box.env.OSS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  box.env.OSS_ACCESS_KEY_SECRET = server.credentials.accessKeySecret;
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket(BUCKET);
});
after(async () => {
  await client.close();
  await server.close();
  await box.cleanup();
});

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** The CLI with `input` on stdin (written in chunks, then closed); stdout kept as bytes. */
function ossup(
  args: string[],
  input?: Buffer,
  opts: { endpoint?: string; onStart?: (child: ReturnType<typeof spawn>) => void } = {},
): Promise<Run> {
  const child = spawn(process.execPath, [OSSUP, ...args, '--endpoint', opts.endpoint ?? server.endpoint], {
    env: box.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.on('error', () => undefined); // a child that exits early closes the pipe
  if (input) child.stdin.end(input);
  else if (!opts.onStart) child.stdin.end();
  opts.onStart?.(child);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

async function openUploads(): Promise<number> {
  return (await client.listMultipartUploads(BUCKET)).uploads.length;
}

for (const [name, size] of [
  ['empty', 0],
  ['one byte', 1],
  ['one part', PART],
  ['one part + 1', PART + 1],
  ['many parts', 9 * PART + 777],
] as const) {
  test(`stdin -> object -> stdout is byte-identical: ${name}`, async () => {
    const data = randomBytes(size);
    const key = `pipe/${size}.bin`;
    const up = await ossup(
      ['cp', '-', `oss://${BUCKET}/${key}`, '--part-size', '100KiB', '--parallel', '3', '--json', '--no-checkpoint'],
      data,
    );
    assert.equal(up.code, 0, up.stderr);
    const j = lastJson(up.stdout.toString());
    assert.equal(j.op, 'upload');
    assert.equal(j.file, '-');
    assert.equal(j.size, size);
    assert.equal(j.parts, Math.max(1, Math.ceil(size / PART)));

    const down = await ossup(['cp', `oss://${BUCKET}/${key}`, '-', '--part-size', '150KiB']);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(down.stdout.equals(data), "stdout carries exactly the object's bytes, nothing else");
    assert.equal(down.stderr, '');
    const cat = await ossup(['cat', `oss://${BUCKET}/${key}`, '--parallel', '2', '--part-size', '100KiB']);
    assert.equal(cat.code, 0, cat.stderr);
    assert.ok(cat.stdout.equals(data));
    assert.equal(await openUploads(), 0);
  });
}

test('the summary of a stdout download goes to stderr (--json), never into the data', async () => {
  const data = randomBytes(3 * PART);
  await client.putObject(BUCKET, 'summary.bin', data);
  const r = await ossup(['cp', `oss://${BUCKET}/summary.bin`, '-', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.equals(data));
  const j = lastJson(r.stderr);
  assert.equal(j.op, 'download');
  assert.equal(j.file, '-');
  assert.equal(j.size, data.length);
});

test('stdout read slowly (a full pipe) still carries the object byte-identical', async () => {
  const data = randomBytes(40 * PART + 5);
  await client.putObject(BUCKET, 'slow-stdout.bin', data);
  const child = spawn(
    process.execPath,
    [
      OSSUP,
      'cp',
      `oss://${BUCKET}/slow-stdout.bin`,
      '-',
      '--part-size',
      '256KiB',
      '--parallel',
      '3',
      '--endpoint',
      server.endpoint,
    ],
    { env: box.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const out: Buffer[] = [];
  // The reader stops now and then, so the pipe fills and the writes in the child block.
  for await (const c of child.stdout) {
    out.push(c as Buffer);
    if (out.length % 8 === 0) await new Promise((r) => setTimeout(r, 30));
  }
  const code = await new Promise((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.on('close', resolve),
  );
  assert.equal(code, 0, stderr);
  assert.ok(Buffer.concat(out).equals(data));
});

test('stdout that is a file (`> f`, `>> f`) gets the object byte-identical, appended after what `>>` keeps', async () => {
  const data = randomBytes(30 * PART + 17);
  await client.putObject(BUCKET, 'to-file.bin', data);
  const path = join(box.dir, 'stdout.bin');
  for (const [flag, before] of [
    ['w', Buffer.alloc(0)],
    ['a', Buffer.from('kept line\n')],
  ] as const) {
    writeFileSync(path, before);
    const fd = openSync(path, flag);
    const child = spawn(
      process.execPath,
      [OSSUP, 'cp', `oss://${BUCKET}/to-file.bin`, '-', '--part-size', '256KiB', '--endpoint', server.endpoint],
      { env: box.env, stdio: ['ignore', fd, 'pipe'] },
    );
    closeSync(fd);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.ok(readFileSync(path).equals(Buffer.concat([before, data])), `stdout opened with "${flag}"`);
  }
});

test('Ctrl-C during an upload from stdin aborts the upload on the server and exits 130', async () => {
  const r = await ossup(
    ['cp', '-', `oss://${BUCKET}/interrupted.bin`, '--part-size', '100KiB', '--parallel', '2'],
    undefined,
    {
      onStart: (child) => {
        // Three parts' worth, then the pipe stays open and silent, as a slow producer's would.
        child.stdin!.write(randomBytes(3 * PART + 10));
        const poll = setInterval(() => {
          void openUploads().then((n) => {
            if (n > 0) {
              clearInterval(poll);
              setTimeout(() => child.kill('SIGINT'), 200);
            }
          });
        }, 50);
      },
    },
  );
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /a stream cannot be resumed, so the upload was aborted on the server/);
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal(await openUploads(), 0, 'no incomplete upload left');
  await assert.rejects(client.headObject(BUCKET, 'interrupted.bin'));
});

test('a download to stdout whose bytes do not match the CRC-64 exits 1 and says the bytes are already out', async () => {
  const data = randomBytes(4 * PART);
  await client.putObject(BUCKET, 'damaged.bin', data);
  // A proxy that flips one byte of every ranged GET's body: each range arrives damaged, as on a bad network.
  const target = new URL(server.endpoint);
  const proxy = http.createServer((req, res) => {
    const up = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        let first = answer.statusCode === 206;
        answer.on('data', (c: Buffer) => {
          if (first) {
            c = Buffer.from(c);
            c[0] = (c[0] ?? 0) ^ 0xff;
            first = false;
          }
          res.write(c);
        });
        answer.on('end', () => res.end());
      },
    );
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    const r = await ossup(['cp', `oss://${BUCKET}/damaged.bin`, '-', '--part-size', '100KiB'], undefined, {
      endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout.length, data.length, 'the bytes went out before the end-of-stream check');
    assert.match(r.stderr, /CRC-64/);
    assert.match(r.stderr, /already written to standard output are NOT the object's bytes/);
    assert.doesNotMatch(r.stderr, STACK);
  } finally {
    await new Promise<void>((r) => proxy.close(() => r()));
  }
});

test('bad stream command lines exit 2 before anything is read or sent', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['cp', '-', '-'], /"-" on both sides/],
    [['cp', '-r', '-', `oss://${BUCKET}/x`], /-r does not go with "-"/],
    [['cp', '-', `oss://${BUCKET}/dir/`], /names no object/],
    [['cp', '-', 'local.txt'], /is not an OSS URL/],
    [['cp', '-', `oss://${BUCKET}/x`, '--checkpoint-dir', '/tmp'], /a stream cannot be resumed/],
    [
      ['cp', '-', `oss://${BUCKET}/x`, '--part-size', '100KiB', '--expected-size', '10GiB'],
      /does not fit in 10,000 parts/,
    ],
    [['cp', '-', `oss://${BUCKET}/x`, '--expected-size', 'lots'], /--expected-size/],
    [['cp', `oss://${BUCKET}/x`, '-', '--meta', 'a=b'], /--meta applies to uploads/],
    [['cp', `oss://${BUCKET}/x`, '-', '--expected-size', '1MiB'], /--expected-size applies to cp -/],
  ];
  for (const [args, message] of cases) {
    const r = await ossup(args, Buffer.from('never read'));
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, STACK);
    assert.equal(r.stdout.length, 0);
  }
  assert.equal(await openUploads(), 0);
});
