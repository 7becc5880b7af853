// What the CLI says it chose (issue 23): the plain summary's `tuned:` line, and `tuning` on every file a tree moved
// (as `cp --json` has it), with flags named as the source of what they fixed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliServer, jsonLines, runCli, startCliServer, stopCliServer } from '../../harness/cli.js';

const BUCKET = 'tuned';
let cs: CliServer;
before(async () => {
  cs = await startCliServer(BUCKET);
});
after(() => stopCliServer(cs));

const ossup = (...args: string[]) => runCli([...args, '--endpoint', cs.server.endpoint], cs.box.env);

interface TuningLine {
  action: string;
  tuning?: {
    connections: { value: number; source: string };
    partSize: { value: number; source: string };
    jobs?: { value: number; source: string };
    reason: string;
  };
}

test('cp says what it chose and why on the line after its summary, both ways', async () => {
  const file = join(cs.box.dir, 'one.bin');
  await writeFile(file, randomBytes(3 * 1024 * 1024));
  const up = await ossup('cp', file, `oss://${BUCKET}/one.bin`, '--no-checkpoint');
  assert.equal(up.code, 0, up.stderr);
  const lines = up.stdout.trim().split('\n');
  assert.match(lines[0]!, /^uploaded /);
  assert.match(lines[1]!, /^tuned: \d+ connections? \(auto\), 1\.0 MiB parts \(auto\): \S/);
  const down = await ossup('cp', `oss://${BUCKET}/one.bin`, join(cs.box.dir, 'back.bin'), '--parallel', '2');
  assert.equal(down.code, 0, down.stderr);
  assert.match(
    down.stdout,
    /\ntuned: 2 connections \(flag\), [\d.]+ MiB parts \(auto\): connections fixed by a flag\n$/,
  );
  // Flags fixed both: nothing was tuned, the summary is its one line.
  const fixed = await ossup('cp', file, `oss://${BUCKET}/two.bin`, '--parallel', '2', '--part-size', '1M');
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /^uploaded [^\n]*\n$/);
});

test('cp -r --json: every file moved carries `tuning`, files skipped do not; the plain summary says it too', async () => {
  const dir = join(cs.box.dir, 'tree');
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < 5; i++) await writeFile(join(dir, `f${i}.bin`), randomBytes(1000 + i));
  const r = await ossup('cp', '-r', dir, `oss://${BUCKET}/tree/`, '--json');
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines<TuningLine>(r.stdout);
  assert.equal(lines.length, 5);
  for (const l of lines) {
    assert.equal(l.action, 'upload');
    assert.equal(l.tuning?.connections.source, 'auto');
    assert.equal(l.tuning?.partSize.source, 'auto');
    assert.match(l.tuning?.reason ?? '', /\S/);
  }
  // A rerun skips every file: nothing was moved, so nothing was tuned.
  const again = await ossup('sync', dir, `oss://${BUCKET}/tree/`, '--json');
  assert.equal(again.code, 0, again.stderr);
  for (const l of jsonLines<TuningLine>(again.stdout)) {
    assert.equal(l.action, 'skip');
    assert.equal(l.tuning, undefined);
  }
  const down = await ossup('cp', '-r', `oss://${BUCKET}/tree/`, join(cs.box.dir, 'tree-back'), '--jobs', '3');
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /\ntuned: \d+ connections \(auto\), [\d.]+ MiB parts \(auto\): \S.*\n$/);
  const json = await ossup('cp', '-r', `oss://${BUCKET}/tree/`, join(cs.box.dir, 'tree-json'), '--jobs', '3', '--json');
  assert.deepEqual(jsonLines<TuningLine>(json.stdout)[0]?.tuning?.jobs, {
    value: 3,
    source: 'flag',
  });
});

test('a download over 16 connections says nothing on stderr: one signal, many listeners, no leak warning', async () => {
  // Every range in flight listens to the transfer's one signal while it connects; Node warned at the 11th.
  const file = join(cs.box.dir, 'wide.bin');
  await writeFile(file, randomBytes(24 * 1024 * 1024));
  const wide = ['--parallel', '16', '--part-size', '1M'];
  const up = await ossup('cp', file, `oss://${BUCKET}/wide.bin`, ...wide);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stderr, '');
  const down = await ossup('cp', `oss://${BUCKET}/wide.bin`, join(cs.box.dir, 'wide.out'), ...wide);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(down.stderr, '');
});
