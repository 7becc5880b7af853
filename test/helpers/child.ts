import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Node arguments that run a script beside the calling module, whether the tests run from the TypeScript sources
 * (under tsx during development) or from the compiled `dist/` (the real suite). `relative` has no extension.
 */
export function nodeArgsFor(callerUrl: string, relative: string): string[] {
  const fromSource = callerUrl.endsWith('.ts');
  const script = fileURLToPath(new URL(`${relative}${fromSource ? '.ts' : '.js'}`, callerUrl));
  return fromSource ? ['--import', 'tsx', script] : [script];
}

/** A child process that reports one JSON object per stdout line (the transfer fixtures' event stream). */
export interface EventChild {
  proc: ChildProcess;
  exited: Promise<number | null>;
  /** Read events until `until` matches one; returns it, or undefined when the child ended first. */
  waitFor(until: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown> | undefined>;
}

/** Spawn `node <args...>` with stdout read as JSON lines and stderr passed through. */
export function spawnEventChild(args: string[]): EventChild {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return {
    proc,
    exited,
    async waitFor(until) {
      for (;;) {
        const { value, done } = await lines.next();
        if (done) return undefined;
        const e = JSON.parse(value) as Record<string, unknown>;
        if (until(e)) return e;
      }
    },
  };
}
