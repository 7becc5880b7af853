// What every phase of the bench shares: the work directory, the server, the test files and the parent's own
// client (used only between measured runs, to verify what they did).
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { OssClient } from '../src/client/index.js';
import { Crc64 } from '../src/core/crc64.js';
import { formatSize } from './args.js';
import type { GoPeer } from './go-peer.js';
import { runMeasured, type RunOptions, type RunResult, type ServerProcess } from './proc.js';

export const BUCKET = 'bench';

export interface TestFile {
  path: string;
  size: number;
  crc64: bigint;
}

export interface BenchContext {
  dir: string;
  checkpointDir: string;
  server: ServerProcess;
  creds: { id: string; secret: string };
  client: OssClient;
  files: Map<number, TestFile>;
  /** Sizes whose download source object is in place. */
  seeded: Set<number>;
  /** Child env: endpoint and keys, and an OSSUP_HOME inside the work directory. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** The official Go SDK peer, or why it is not in this run. */
  go: GoPeer;
}

export function childEnv(dir: string, endpoint: string, creds: { id: string; secret: string }): NodeJS.ProcessEnv {
  return {
    OSS_ENDPOINT: endpoint,
    OSS_ACCESS_KEY_ID: creds.id,
    OSS_ACCESS_KEY_SECRET: creds.secret,
    OSSUP_HOME: join(dir, 'home'),
    NO_COLOR: '1',
  };
}

/** `ossup cp SRC DST` with a fixed part size and parallelism and its checkpoint in `cpDir`, one --json line, quiet. */
export function checkpointedCp(src: string, dst: string, partSize: number, parallel: number, cpDir: string): string[] {
  const sizes = ['--part-size', String(partSize), '--parallel', String(parallel)];
  return ['cp', src, dst, ...sizes, '--checkpoint-dir', cpDir, '--json', '--no-progress', '-q'];
}

/** Runs a measured child against the bench server. */
export function measured(
  ctx: BenchContext,
  script: string,
  args: string[],
  extra: Partial<RunOptions> = {},
): Promise<RunResult> {
  return runMeasured(script, args, {
    env: ctx.env,
    serverPid: ctx.server.pid,
    usageFile: join(ctx.dir, 'usage.json'),
    ...extra,
  });
}

/** Random bytes (incompressible, nothing dedupable) written once per size; the CRC-64 is taken on the way. */
export function makeFile(dir: string, size: number): TestFile {
  const filesDir = join(dir, 'files');
  mkdirSync(filesDir, { recursive: true });
  const path = join(filesDir, `${formatSize(size).replace(' ', '')}.bin`);
  const crc = new Crc64();
  const chunk = Buffer.allocUnsafe(16 * 1024 ** 2);
  if (existsSync(path)) throw new Error(`${path} exists`);
  const fd = openSync(path, 'wx');
  try {
    for (let done = 0; done < size; ) {
      const n = Math.min(chunk.length, size - done);
      const view = chunk.subarray(0, n);
      randomFillSync(view);
      crc.update(view);
      writeSync(fd, view);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return { path, size, crc64: crc.digest() };
}

export function fileFor(ctx: BenchContext, size: number): TestFile {
  let f = ctx.files.get(size);
  if (!f) {
    f = makeFile(ctx.dir, size);
    ctx.files.set(size, f);
  }
  return f;
}

/** The object must be exactly the file: size and CRC-64 as the server reports them. */
export async function verifyObject(ctx: BenchContext, key: string, f: TestFile, what: string): Promise<void> {
  const head = await ctx.client.headObject(BUCKET, key);
  if (head.size !== f.size || (head.crc64 !== undefined && head.crc64 !== f.crc64)) {
    throw new Error(
      `${what}: object ${key} is ${head.size} bytes, CRC-64 ${head.crc64}; expected ${f.size}, ${f.crc64}`,
    );
  }
}
