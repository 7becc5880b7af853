// Help reads well in an 80-column terminal: every command has examples, and nothing is wider than the screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli, sandbox, type Sandbox } from '../../harness/cli.js';

let box: Sandbox;
before(async () => {
  box = await sandbox({ COLUMNS: '80' });
});
after(() => box.cleanup());

const wide = (text: string) => text.split('\n').filter((line) => line.length > 80);

/** The commands of `ossup --help`, as listed under "Commands:" (each on its own line, name first). */
function commandsOf(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section.split('\n').map((line) => /^ {2}(\S+)/.exec(line)?.[1] ?? `(continued: ${line.trim()})`);
}

test('ossup --help: one line per command, within 80 columns, ending with examples and a pointer', async () => {
  const r = await runCli(['--help'], box.env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(wide(r.stdout), []);
  const names = commandsOf(r.stdout);
  assert.ok(names.length >= 10, `commands listed: ${names.join(', ')}`);
  assert.deepEqual(
    names.filter((n) => n.startsWith('(continued')),
    [],
    'a summary wrapped',
  );
  const examples = r.stdout.split('\nExamples:\n')[1];
  assert.ok(examples !== undefined, 'no Examples: section');
  for (const cmd of ['ossup cp ', 'ossup sync ', 'ossup serve']) {
    assert.ok(
      examples.split('\n').some((line) => line.startsWith(`  ${cmd}`)),
      cmd,
    );
  }
  const last = r.stdout.trimEnd().split('\n').at(-1) ?? '';
  assert.match(last, /ossup help <command>/);
  // `<command>` is a placeholder in prose only in that line, never in a command to type.
  assert.equal(r.stdout.split('<command>').length, 2);
});

test('ossup help <cmd>: exit 0, examples of that command, within 80 columns', async () => {
  const top = await runCli(['--help'], box.env);
  const names = commandsOf(top.stdout).filter((n) => n !== 'help');
  assert.ok(names.length >= 10, `commands listed: ${names.join(', ')}`);
  const results = await Promise.all(names.map((name) => runCli(['help', name], box.env)));
  names.forEach((name, i) => {
    const r = results[i]!;
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: ossup ${name} `), name);
    assert.deepEqual(wide(r.stdout), [], `${name}: lines over 80 columns`);
    const examples = r.stdout.split('\nExamples:\n')[1];
    assert.ok(examples !== undefined, `${name}: no Examples: section`);
    const lines = examples.split('\n\n')[0]!.split('\n');
    assert.ok(
      lines.some((line) => line.startsWith(`  ossup ${name} `) || line === `  ossup ${name}`),
      `${name}: no example of it:\n${examples}`,
    );
  });
});
