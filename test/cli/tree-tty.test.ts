// A tree on a terminal: one live line (files, bytes, rate, ETA) cut to the terminal's width, then the summary.
// Off a terminal: the summary alone. Run under script(1) for a pseudo-terminal, as tty.test.ts does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { OSSUP, runCli, sandbox } from '../../harness/cli.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

test('cp -r on a TTY draws one line for the whole tree within the width; a pipe gets only the summary', {
  skip: !hasScript && 'script(1) not installed',
}, async () => {
  const box = await sandbox();
  try {
    const dir = join(box.dir, 'tree');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'one.bin'), randomBytes(3 * 1024 * 1024));
    await writeFile(join(dir, 'sub', 'two.txt'), 'two');
    const shell = `stty cols 60; ${JSON.stringify(process.execPath)} ${JSON.stringify(OSSUP)} cp -r ${JSON.stringify(dir)} oss://tree-tty/t`;
    const tty = spawnSync('script', ['-q', '-e', '-c', shell, '/dev/null'], {
      env: { ...box.env, TERM: 'xterm' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    assert.equal(tty.status, 0, tty.stdout + tty.stderr);
    const drawn = tty.stdout
      .split(/\r|\n/)
      .map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''))
      .filter((l) => /files \d+\/\d+/.test(l));
    assert.ok(drawn.length > 0, tty.stdout);
    const last = drawn[drawn.length - 1]!;
    assert.match(last, /files 2\/2 \| 3\.0 MiB\/3\.0 MiB \| [\d.]+ [KMG]?i?B\/s \| ETA /);
    for (const line of drawn) assert.ok([...line].length < 60, `fits 60 columns: ${JSON.stringify(line)}`);
    assert.match(tty.stdout, /uploaded 2 files \(3\.0 MiB in [\d.]+ s\), 0 up to date/);

    const piped = await runCli(['cp', '-r', dir, 'oss://tree-tty/t'], box.env);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stdout + piped.stderr, /[\x1b\r]/);
    assert.match(piped.stdout, /^uploaded 0 files \(0 B in [\d.]+ s\), 2 up to date\n$/);
  } finally {
    await box.cleanup();
  }
});
