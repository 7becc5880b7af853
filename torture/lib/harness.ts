// Runs one iteration of a scenario in its own temp directory, bounded in time, turning any exception into a failed
// result (an exception is a harness or product bug, reported with the seed, never a pass).
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSeed } from './rng.js';
import type { RunResult, Scenario } from './types.js';

export interface IterationOptions {
  seed: number;
  iteration: number;
  size: number;
  /** Give up on a run after this long (default 5 minutes). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface IterationResult extends RunResult {
  scenario: string;
  seed: number;
  iteration: number;
  ms: number;
}

export async function runIteration(s: Scenario, o: IterationOptions): Promise<IterationResult> {
  const seed = runSeed(o.seed, s.name, o.iteration);
  const dir = await mkdtemp(join(tmpdir(), `ossup-torture-${s.name}-`));
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let result: RunResult;
  try {
    const timeout = new Promise<RunResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            passed: false,
            wrong: false,
            bytesVerified: 0,
            bytesResent: 0,
            label: '?',
            detail: `run did not end within ${(o.timeoutMs ?? 300_000) / 1000} s`,
          }),
        o.timeoutMs ?? 300_000,
      );
    });
    result = await Promise.race([
      s.run({ seed, iteration: o.iteration, size: o.size, dir, log: o.log ?? (() => undefined) }),
      timeout,
    ]);
  } catch (err) {
    result = {
      passed: false,
      wrong: false,
      bytesVerified: 0,
      bytesResent: 0,
      label: '?',
      detail: `harness exception: ${(err as Error)?.stack ?? String(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
  await removeTree(dir);
  return { ...result, scenario: s.name, seed, iteration: o.iteration, ms: Date.now() - started };
}

/** rm -rf that first restores permissions a damaged-state case may have taken away. */
async function removeTree(dir: string): Promise<void> {
  // chattr +i (damaged-state as root) would make the tree undeletable; scenarios undo it, this is the safety net.
  try {
    execFileSync('chattr', ['-R', '-i', dir], { stdio: 'ignore' });
  } catch {
    /* not ext*, or nothing to undo */
  }
  const restore = async (p: string): Promise<void> => {
    const st = await stat(p).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory()) {
      await chmod(p, 0o700).catch(() => undefined);
      for (const e of await readdir(p).catch(() => [] as string[])) await restore(join(p, e));
    } else if (st.isFile()) {
      await chmod(p, 0o600).catch(() => undefined);
    }
  };
  await restore(dir);
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}
