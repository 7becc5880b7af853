import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OssClient } from '../../src/client/index.js';
import type { TransferEvent } from '../../src/transfer/index.js';

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

/** What a transfer child gets in argv[2], as one JSON object. */
export interface TransferChildArgs {
  endpoint: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  bucket: string;
  key: string;
  file: string;
  checkpoint: string | boolean;
  partSize?: number;
  concurrency?: number;
}

/**
 * The body of a transfer child (the crash tests' upload and download children): parse argv[2], run one transfer with
 * a client for it, and report every event but 'progress', then `done` (exit 0) or `error` (exit 3), as JSON lines on
 * stdout, so the parent can SIGKILL it at a chosen point.
 */
export async function runTransferChild<A extends TransferChildArgs>(
  transfer: (client: OssClient, args: A, onProgress: (e: TransferEvent) => void) => Promise<unknown>,
): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as A;
  const client = new OssClient({ endpoint: args.endpoint, credentials: args.credentials });
  const say = (v: unknown) =>
    process.stdout.write(`${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}\n`);
  try {
    const result = await transfer(client, args, (e) => {
      if (e.type !== 'progress') say(e);
    });
    say({ type: 'done', result });
    process.exitCode = 0;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    say({ type: 'error', code: e.code, message: e.message });
    process.exitCode = 3;
  } finally {
    await client.close();
  }
}
