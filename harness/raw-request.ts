// A request whose body the test sends piece by piece (races against a body in flight, stalled bodies), and the
// temp files a server root holds (a failed or timed-out request must leave none).
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallResult } from './oss-http.js';

export interface RawRequest {
  write(chunk: Buffer): void;
  /** The answer; rejects if the connection fails first (a reset is a failure, never an answer). */
  response: Promise<CallResult>;
  /** The answer, or a rejection naming the wait if none came within `ms`. */
  within(ms: number): Promise<CallResult>;
  destroy(): void;
}

export async function openRawRequest(
  endpoint: string,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<RawRequest> {
  const url = new URL(endpoint);
  const req = request({ host: url.hostname, port: url.port, method, path, headers, agent: false });
  const response = new Promise<CallResult>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  response.catch(() => undefined);
  req.flushHeaders();
  return {
    write: (chunk) => req.write(chunk),
    response,
    within(ms) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      });
      return Promise.race([response, late]).finally(() => {
        clearTimeout(timer);
        req.destroy();
      });
    },
    destroy: () => req.destroy(),
  };
}

/** Every file under the root's tmp/ (temp bodies, records, copies), relative to it. */
export async function tmpFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(dir, e.name), join(rel, e.name));
      else out.push(join(rel, e.name));
    }
  };
  await walk(join(root, 'tmp'), '');
  return out;
}

/**
 * Mounts a tmpfs of `size` (e.g. '3m') on `dir` and returns its unmount, or the reason it cannot (not root, no
 * mount(8), a container without CAP_SYS_ADMIN).
 */
export async function mountTmpfs(dir: string, size: string): Promise<(() => Promise<void>) | string> {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
  return async () => {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  };
}
