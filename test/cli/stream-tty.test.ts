// Streams on a terminal (issue 24, item 10): `... | ossup cp - oss://...` shows bytes so far and the rate; a
// download into a pipeline erases its bar at the end, so no frame lands after the pipeline's own output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { OSSUP, sandbox } from '../../harness/cli.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

function underTty(shell: string, env: NodeJS.ProcessEnv) {
  return spawnSync('script', ['-q', '-e', '-c', `stty cols 80; ${shell}`, '/dev/null'], {
    env: { ...env, TERM: 'xterm' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

test('stdin upload draws bytes and rate; a download into a pipe leaves no frame behind', {
  skip: !hasScript && 'script(1) not installed',
}, async () => {
  const box = await sandbox();
  try {
    const ossup = `${JSON.stringify(process.execPath)} ${JSON.stringify(OSSUP)}`;
    // The pause half-way makes the upload outlast a frame however fast the machine: a bar that never drew
    // would fail this test, not pass it by finishing first.
    const producer = '(head -c 6291456 /dev/zero; sleep 1; head -c 6291456 /dev/zero)';
    const up = underTty(`${producer} | ${ossup} cp - oss://streams/x.bin --part-size 1MiB`, box.env);
    assert.equal(up.status, 0, up.stdout + up.stderr);
    assert.match(up.stdout, /standard input to oss:\/\/streams\/x\.bin \| [\d.]+ [KM]iB read \| [\d.]+ [KMG]?i?B\/s/);
    const afterLast = up.stdout.slice(up.stdout.lastIndexOf(' read |'));
    assert.match(afterLast, /\r\x1b\[2K/, 'the line is erased at the end');
    assert.match(up.stdout, /uploaded standard input to oss:\/\/streams\/x\.bin: 12\.0 MiB/);

    const down = underTty(`${ossup} cp oss://streams/x.bin - --part-size 1MiB | wc -c`, box.env);
    assert.equal(down.status, 0, down.stdout + down.stderr);
    const count = down.stdout.lastIndexOf('12582912');
    assert.ok(count > 0, down.stdout);
    assert.doesNotMatch(down.stdout.slice(count), /%|MiB/, 'no bar frame after the pipeline output');
    const lastFrame = down.stdout.lastIndexOf('MiB');
    if (lastFrame >= 0) assert.match(down.stdout.slice(lastFrame), /\x1b\[2K/, 'the bar was erased');
  } finally {
    await box.cleanup();
  }
});
