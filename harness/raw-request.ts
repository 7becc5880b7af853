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

/** The boundary of the forms built by formField / formFile. */
export const FORM_BOUNDARY = '----ossupFormBoundary7MA4YWxkTrZu0gW';

/** One multipart/form-data field. */
export function formField(name: string, value: string | Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${FORM_BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
    Buffer.from(value),
    Buffer.from('\r\n'),
  ]);
}

/** The file part of a form, and the form's closing boundary. */
export function formFile(filename: string, data: string): Buffer {
  return Buffer.from(
    `--${FORM_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n${data}\r\n--${FORM_BOUNDARY}--\r\n`,
  );
}

export interface FormAnswer {
  /** 0 when the connection failed before an answer. */
  status: number;
  text: string;
  /** Body bytes the client had written when the answer came (or the connection failed). */
  sent: number;
}

/**
 * POSTs a form to `/bucket` (chunked, anonymous), writing `parts` one after another with backpressure and stopping
 * as soon as the server answers: `sent` shows how much of a flood the server took before refusing it.
 */
export function streamForm(endpoint: string, bucket: string, parts: Iterable<Buffer>): Promise<FormAnswer> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    let sent = 0;
    let answered = false;
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: `/${bucket}`,
      headers: { 'content-type': `multipart/form-data; boundary=${FORM_BOUNDARY}`, 'transfer-encoding': 'chunked' },
      agent: false,
    });
    req.on('response', (res) => {
      answered = true;
      const at = sent;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), sent: at });
        req.destroy();
      });
    });
    req.on('error', (err) => {
      if (!answered) resolve({ status: 0, text: String(err), sent });
    });
    void (async () => {
      for (const p of parts) {
        if (answered || req.destroyed) return;
        sent += p.length;
        if (!req.write(p)) await new Promise((r) => req.once('drain', r));
      }
      if (!answered && !req.destroyed) req.end();
    })().catch(() => undefined);
  });
}
