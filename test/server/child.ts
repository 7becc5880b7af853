// Runs the server as a separate process (src/server/main.ts), for tests that kill it or measure its memory.
// Works both from sources (tsx) and from the compiled dist/ tree.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Credentials } from '../../src/core/canonical.js';
import { nodeArgsFor } from '../helpers/child.js';

export interface ServerChild {
  child: ChildProcess;
  endpoint: string;
}

export async function startServerChild(root: string, creds: Credentials): Promise<ServerChild> {
  const args = [...nodeArgsFor(import.meta.url, '../../src/server/main'), '--root', root, '--port', '0'];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OSS_ACCESS_KEY_ID: creds.accessKeyId,
    OSS_ACCESS_KEY_SECRET: creds.accessKeySecret,
  };
  delete env.NODE_TEST_CONTEXT; // the child is a server, not a test file reporting to our runner
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server child did not start: ${out}`)), 30000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^ossup serve: listening on (\S+) /m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server child exited ${code}: ${out}`));
    });
  });
  return { child, endpoint };
}

export function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<string> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(`${child.exitCode}/${child.signalCode}`);
    child.once('exit', (code, sig) => resolve(`${code}/${sig}`));
    child.kill(signal);
  });
}
