// On a terminal the bar is drawn (and only there): run the CLI under script(1), which gives it a pseudo-terminal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { OSSUP, runCli, sandbox } from '../../harness/cli.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

test('a TTY gets the live bar: percent, bytes, rate, ETA, parts; --no-progress removes it', {
  skip: !hasScript && 'script(1) not installed',
}, async () => {
  const box = await sandbox();
  try {
    const file = join(box.dir, 'tty.bin');
    await writeFile(file, randomBytes(2 * 1024 * 1024));
    const shell = (extra: string) =>
      `${JSON.stringify(process.execPath)} ${JSON.stringify(OSSUP)} cp ${JSON.stringify(file)} oss://tty-test/tty.bin${extra}`;
    const run = (extra: string) =>
      spawnSync('script', ['-q', '-e', '-c', shell(extra), '/dev/null'], {
        env: { ...box.env, TERM: 'xterm' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    const withBar = run('');
    assert.equal(withBar.status, 0, withBar.stdout + withBar.stderr);
    assert.match(withBar.stdout, /\x1b\[/, 'terminal control sequences');
    assert.match(
      withBar.stdout,
      /tty\.bin .* 100\.0% \| 2\.0\/2\.0 MiB \| [\d.]+ [KMG]?i?B\/s \| ETA .* \| parts 2\/2/,
    );
    assert.match(withBar.stdout, /uploaded .*tty\.bin to oss:\/\/tty-test\/tty\.bin/);

    const plain = run(' --no-progress');
    assert.equal(plain.status, 0, plain.stdout + plain.stderr);
    assert.doesNotMatch(plain.stdout, /\x1b/, 'no bar with --no-progress');
    // And without a terminal at all (a pipe), nothing but plain lines.
    const piped = await runCli(['cp', file, 'oss://tty-test/tty.bin'], box.env);
    assert.doesNotMatch(piped.stdout + piped.stderr, /[\x1b\r]/);
  } finally {
    await box.cleanup();
  }
});
