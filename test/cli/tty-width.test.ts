// The live bar as people see it: the built CLI in a real pseudo-terminal of 80 columns (a tmux pane), resuming an
// download over a slow link (the fault proxy slows responses), read back with capture-pane. tmux is needed: .ci/run installs it when missing; on a
// machine without it this test is skipped, except under CI where that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { OssClient } from '../../src/client/index.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { finished, OSSUP, sandbox, spawnCli, type Sandbox } from '../../harness/cli.js';

const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasTmux && process.env.CI) throw new Error('tmux is required under CI (.ci/run installs it)');

const SIZE = 12 * 1024 * 1024;
const SLOW = { rate: 1, kinds: ['slow' as const], bytesPerSecond: 2 * 1024 * 1024 };

let server: TestServer;
let proxy: FaultProxy;
let box: Sandbox;
let client: OssClient;

before(async () => {
  server = await startTestServer();
  proxy = await startFaultProxy({ host: server.server.host, port: server.server.port }, SLOW);
  box = await sandbox({
    OSS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    OSS_ACCESS_KEY_SECRET: server.credentials.accessKeySecret,
  });
  client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
  await client.putBucket('tty-width');
});
after(async () => {
  await client.close();
  await proxy.close();
  await server.close();
  await box.cleanup();
});

/** Waits until the checkpoint journal has grown a few times (parts confirmed and recorded). */
async function waitForRecordedParts(dir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  const sizes = new Set<number>();
  while (Date.now() < deadline && sizes.size < 4) {
    for (const n of await readdir(dir).catch(() => [] as string[])) {
      if (n.endsWith('.dcp')) sizes.add((await stat(join(dir, n)).catch(() => undefined))?.size ?? 0);
    }
    await sleep(20);
  }
  assert.ok(sizes.size >= 4, 'the checkpoint never recorded parts');
}

const tmux = (socket: string, ...args: string[]) =>
  spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: box.env });

test('at 80 columns a live frame of a resumed download shows percent, ETA and the resumed amount, within 80 columns', {
  skip: !hasTmux && 'tmux not installed',
}, async () => {
  await client.putObject('tty-width', 'r.bin', randomBytes(SIZE));
  const file = join(box.dir, 'resumed-in-a-terminal.bin');
  const args = [
    'cp',
    'oss://tty-width/r.bin',
    file,
    '--endpoint',
    proxy.endpoint,
    '--part-size',
    '256KiB',
    '--parallel',
    '2',
  ];

  // First run, off a terminal: interrupted once a few parts are recorded. Its message starts the line (no blank line).
  const first = spawnCli(args, box.env);
  const firstDone = finished(first);
  await waitForRecordedParts(join(box.ossupHome, 'checkpoints'));
  first.kill('SIGINT');
  const r1 = await firstDone;
  assert.equal(r1.code, 130, r1.stderr);
  assert.match(r1.stderr, /^ossup: interrupted: /);

  // Second run, in an 80x24 tmux pane, still over the slow link so that frames stay on screen for seconds.
  const socket = `ossup-test-${process.pid}`;
  const exitFile = join(box.dir, 'exit-code');
  const script = join(box.dir, 'run.sh');
  const quoted = [process.execPath, OSSUP, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  await writeFile(script, `${quoted}\necho $? > '${exitFile}'\nsleep 60\n`);
  const started = tmux(socket, 'new-session', '-d', '-s', 'bar', '-x', '80', '-y', '24', `sh '${script}'`);
  assert.equal(started.status, 0, started.stderr);
  try {
    let frame: string | undefined;
    const lines: string[] = [];
    const deadline = Date.now() + 60_000;
    while (!frame && Date.now() < deadline) {
      const pane = tmux(socket, 'capture-pane', '-p', '-J', '-t', 'bar');
      for (const line of pane.stdout.split('\n')) {
        if (line.trim()) lines.push(line);
        if (/\d+\.\d%/.test(line) && /ETA \d/.test(line) && /resumed \d/.test(line)) frame = line;
      }
      if (!frame) await sleep(100);
    }
    assert.ok(frame, `no frame with percent, ETA and resumed; the pane showed:\n${lines.slice(-5).join('\n')}`);
    assert.ok([...frame.trimEnd()].length <= 80, `frame wider than 80 columns: ${JSON.stringify(frame)}`);
    assert.match(
      frame,
      /\d+\.\d% \| [\d.]+(\/| [KMG]?i?B\/)[\d.]+ [KMG]?i?B \| [\d.]+ [KMG]?i?B\/s \| ETA [\d.]+ (s|min)/,
    );
    // Every line ever captured fits (a too-wide frame would show up here as a line over 80 once joined).
    for (const line of lines)
      assert.ok([...line.trimEnd()].length <= 80, `line wider than 80 columns: ${JSON.stringify(line)}`);

    // Narrowed to 50 columns (tmux sends SIGWINCH), the next frame is fitted again: percent and resumed stay.
    assert.equal(tmux(socket, 'resize-window', '-t', 'bar', '-x', '50').status, 0);
    let narrow: string | undefined;
    const until = Date.now() + 20_000;
    while (!narrow && Date.now() < until) {
      const pane = tmux(socket, 'capture-pane', '-p', '-J', '-t', 'bar').stdout.split('\n');
      narrow = pane.find((l) => /\d+\.\d% .*resumed \d/.test(l) && [...l.trimEnd()].length <= 50 && !/parts/.test(l));
      if (!narrow) await sleep(100);
    }
    assert.ok(narrow, 'a frame fitted to 50 columns after the resize');

    proxy.setPlan({ rate: 0, kinds: [] });
    const end = Date.now() + 60_000;
    let code: string | undefined;
    while (code === undefined && Date.now() < end) {
      code = await readFile(exitFile, 'utf8').catch(() => undefined);
      if (code === undefined) await sleep(100);
    }
    assert.equal(code?.trim(), '0', 'the resumed download finished');
    assert.equal((await stat(file)).size, SIZE);
    const last = tmux(socket, 'capture-pane', '-p', '-J', '-t', 'bar').stdout;
    assert.match(last, /[\d.]+ [KMG]?i?B fetched in .*, [\d.]+ [KMG]?i?B resumed; 12\.0 MiB object, 48 parts/);
  } finally {
    tmux(socket, 'kill-server');
    proxy.setPlan(SLOW);
  }
});

test('cp oss://... - > file in a terminal: the bar on stderr moves, stdout gets only the object', {
  skip: !hasTmux && 'tmux not installed',
}, async () => {
  const data = randomBytes(SIZE);
  await client.putObject('tty-width', 's.bin', data);
  const out = join(box.dir, 'streamed.bin');
  const args = ['cp', 'oss://tty-width/s.bin', '-', '--endpoint', proxy.endpoint, '--part-size', '1MiB'];
  const socket = `ossup-test-stream-${process.pid}`;
  const exitFile = join(box.dir, 'stream-exit-code');
  const script = join(box.dir, 'stream.sh');
  const quoted = [process.execPath, OSSUP, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  await writeFile(script, `${quoted} > '${out}'\necho $? > '${exitFile}'\nsleep 60\n`);
  const started = tmux(socket, 'new-session', '-d', '-s', 'bar', '-x', '80', '-y', '24', `sh '${script}'`);
  assert.equal(started.status, 0, started.stderr);
  try {
    let frame: string | undefined;
    const deadline = Date.now() + 60_000;
    while (!frame && Date.now() < deadline) {
      const pane = tmux(socket, 'capture-pane', '-p', '-J', '-t', 'bar').stdout.split('\n');
      frame = pane.find((l) => /s\.bin/.test(l) && /\d+\.\d% \|/.test(l) && /ETA /.test(l) && !/ 0\.0%/.test(l));
      if (!frame) await sleep(100);
    }
    assert.ok(frame, 'a live frame with the name, a percent above 0 and an ETA');
    assert.ok([...frame.trimEnd()].length <= 80, `frame wider than 80 columns: ${JSON.stringify(frame)}`);
    proxy.setPlan({ rate: 0, kinds: [] });
    let code: string | undefined;
    const end = Date.now() + 60_000;
    while (code === undefined && Date.now() < end) {
      code = await readFile(exitFile, 'utf8').catch(() => undefined);
      if (code === undefined) await sleep(100);
    }
    assert.equal(code?.trim(), '0', 'the streamed download finished');
    assert.ok((await readFile(out)).equals(data), 'stdout held exactly the object, no bar');
    assert.match(tmux(socket, 'capture-pane', '-p', '-J', '-t', 'bar').stdout, /100\.0%/);
  } finally {
    tmux(socket, 'kill-server');
    proxy.setPlan(SLOW);
  }
});

test('Ctrl-C in an 80-column terminal: an echoed ^C never lands inside the last frame', {
  skip: !hasTmux && 'tmux not installed',
}, async () => {
  await client.putObject('tty-width', 'c.bin', randomBytes(SIZE));
  const file = join(box.dir, 'interrupted-in-a-terminal.bin');
  const args = ['cp', 'oss://tty-width/c.bin', file, '--endpoint', proxy.endpoint, '--part-size', '256KiB'];
  const socket = `ossup-test-ctrlc-${process.pid}`;
  const exitFile = join(box.dir, 'ctrlc-exit-code');
  const script = join(box.dir, 'ctrlc.sh');
  const quoted = [process.execPath, OSSUP, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // The terminal echoes control characters (^C), as an interactive shell's terminal does; the script's shell outlives
  // the Ctrl-C (a trap, reset to the default in ossup) to record ossup's exit code.
  await writeFile(script, `stty echoctl\ntrap 'true' INT\n${quoted}\necho $? > '${exitFile}'\nsleep 60\n`);
  const started = tmux(socket, 'new-session', '-d', '-s', 'bar', '-x', '80', '-y', '24', `sh '${script}'`);
  assert.equal(started.status, 0, started.stderr);
  try {
    let frame: string | undefined;
    const deadline = Date.now() + 60_000;
    while (!frame && Date.now() < deadline) {
      const pane = tmux(socket, 'capture-pane', '-p', '-J', '-t', 'bar').stdout.split('\n');
      frame = pane.find((l) => /\d+\.\d% \|/.test(l) && /ETA [\d.]+ (s|min)/.test(l) && !/ 0\.0%/.test(l));
      if (!frame) await sleep(100);
    }
    assert.ok(frame, 'a live frame with a percent above 0 and an ETA');
    assert.equal(tmux(socket, 'send-keys', '-t', 'bar', 'C-c').status, 0);
    let code: string | undefined;
    const end = Date.now() + 30_000;
    while (code === undefined && Date.now() < end) {
      code = await readFile(exitFile, 'utf8').catch(() => undefined);
      if (code === undefined) await sleep(100);
    }
    assert.equal(code?.trim(), '130', 'Ctrl-C interrupts (exit 130)');
    const pane = tmux(socket, 'capture-pane', '-p', '-J', '-t', 'bar').stdout;
    // The echoed ^C either follows the last frame's ETA (two columns are kept free for it) or is gone, overwritten
    // when the bar drew its last frame; what must never show is a frame with ^C cut into it ("ETA 1.1 sC").
    const last = pane.split('\n').filter((l) => /\d+\.\d% \|/.test(l));
    assert.equal(last.length, 1, `one bar line stays on screen:\n${pane}`);
    assert.match(last[0]!, /\| ETA [\d.]+ (s|min) *(\^C)? *$/, `^C cut into the frame: ${JSON.stringify(last[0])}`);
    assert.ok([...last[0]!.trimEnd()].length <= 80, `wider than 80 columns: ${JSON.stringify(last[0])}`);
    for (const line of pane.split('\n').filter((l) => l.includes('^C'))) assert.equal(line, last[0], 'no stray ^C');
    assert.match(pane, /ossup: interrupted: /);
  } finally {
    tmux(socket, 'kill-server');
  }
});
