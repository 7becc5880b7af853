// The size gate (scripts/check-size.mjs) on a fixture tree: 350 lines pass, 351 fail with the file named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../scripts/check-size.mjs', import.meta.url));

async function gate(files: Record<string, number>): Promise<{ status: number | null; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-size-'));
  try {
    for (const [name, lines] of Object.entries(files)) {
      await mkdir(join(dir, 'src', name, '..'), { recursive: true });
      await writeFile(join(dir, 'src', name), 'const x = 1;\n'.repeat(lines));
    }
    const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('check:size passes a tree whose largest file has 350 lines', async () => {
  const r = await gate({ 'a.ts': 350, 'deep/b.ts': 12 });
  assert.equal(r.status, 0, r.out);
});

test('check:size fails on a 351-line file and names it', async () => {
  const r = await gate({ 'a.ts': 350, 'deep/table.ts': 351 });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /src\/deep\/table\.ts: 351 lines/);
  assert.doesNotMatch(r.out, /a\.ts/);
});

test('check:size counts a last line without a newline', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ossup-size-'));
  try {
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'c.ts'), `${'x\n'.repeat(350)}y`);
    const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
