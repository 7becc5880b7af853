// The page the Chromium upload tests drive: it loads dist/browser/ossup.js from its own origin and uploads to the
// embedded server on another. Files are made in the page from a seeded generator that Node repeats (fill), so the
// object's bytes can be compared on the server side without shipping 64 MiB through the test.
import type { Page } from 'playwright-core';
import type { UploadResult } from '../../src/transfer/types.js';

/** The generator, as source text run both here and in the page: 32-bit LCG words, little-endian. */
const FILL_SOURCE = `function fill(seed, size) {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, size >>> 2);
  let x = seed >>> 0;
  for (let i = 0; i < words.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < size; i++) out[i] = (seed + i) & 0xff;
  return out;
}`;

/** The bytes of the file the page makes from `seed` (and `patch`, when given). */
export const fill = new Function(`${FILL_SOURCE}; return fill;`)() as (seed: number, size: number) => Uint8Array;

/** A file for the page: its bytes from `seed`, with `patch.bytes` bytes at `patch.at` replaced by seed `patch.seed`. */
export interface FileSpec {
  seed: number;
  size: number;
  name: string;
  lastModified: number;
  patch?: { at: number; size: number; seed: number };
}

export function fileBytes(spec: FileSpec): Uint8Array {
  const bytes = fill(spec.seed, spec.size);
  if (spec.patch) bytes.set(fill(spec.patch.seed, spec.patch.size), spec.patch.at);
  return bytes;
}

export const UPLOAD_PAGE = `<!doctype html><meta charset="utf-8"><title>ossup upload test</title>
<script type="module">
import * as ossup from '/dist/browser/ossup.js';
${FILL_SOURCE}
function makeFile(spec) {
  const bytes = fill(spec.seed, spec.size);
  if (spec.patch) bytes.set(fill(spec.patch.seed, spec.patch.size), spec.patch.at);
  return new File([bytes], spec.name, { lastModified: spec.lastModified, type: 'application/octet-stream' });
}
async function pickFile(spec) {
  if (spec.handle === 'pending') {
    const [pending] = await ossup.pendingUploads();
    return pending.handle;
  }
  if (spec.handle !== 'opfs') return makeFile(spec.file);
  const dir = await navigator.storage.getDirectory();
  const handle = await dir.getFileHandle(spec.file.name, { create: true });
  const w = await handle.createWritable();
  await w.write(makeFile(spec.file));
  await w.close();
  return handle;
}
window.ossup = ossup;
window.progress = 0;
window.upload = async (spec) => {
  window.ctrl = new AbortController();
  window.progress = 0;
  const events = [];
  const client = new ossup.OssClient({
    endpoint: spec.endpoint,
    ...(spec.signer ? { signer: (req) => window.nodeSign(req) } : { credentials: spec.credentials }),
    retry: { baseDelayMs: 50, maxDelayMs: 200 },
  });
  try {
    const result = await ossup.uploadFile(client, {
      bucket: spec.bucket,
      key: spec.key,
      file: await pickFile(spec),
      partSize: spec.partSize,
      concurrency: spec.concurrency,
      signal: window.ctrl.signal,
      onProgress: (e) => {
        if (e.type === 'progress') window.progress = e.bytesDone;
        else events.push(e.type === 'complete' ? { type: 'complete' } : e);
      },
    });
    return { result, events };
  } catch (e) {
    return { error: { name: e.name, code: e.code, message: e.message }, events };
  }
};
window.ready = true;
</script>`;

export interface UploadSpec {
  endpoint: string;
  bucket: string;
  key: string;
  file: FileSpec;
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** Sign through window.nodeSign (page.exposeFunction) instead of holding credentials. */
  signer?: boolean;
  /** 'opfs': the file is written to the origin's private file system and passed as a handle; 'pending': the handle
   * pendingUploads() kept. */
  handle?: 'opfs' | 'pending';
  partSize?: number;
  concurrency?: number;
}

export interface UploadOutcome {
  result?: UploadResult;
  error?: { name: string; code: string; message: string };
  events: Array<Record<string, unknown>>;
}

/** Opens the upload page and waits until its module has loaded. */
export async function openUploadPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true, undefined, {
    timeout: 30_000,
  });
}

/** Starts an upload in the page without waiting for it (window.running holds it). */
export async function startUpload(page: Page, spec: UploadSpec): Promise<void> {
  await page.evaluate((s) => {
    const w = globalThis as unknown as { running: Promise<unknown>; upload(s: unknown): Promise<unknown> };
    w.running = w.upload(s);
  }, spec);
}

/** The outcome of the upload startUpload began. */
export function finishUpload(page: Page): Promise<UploadOutcome> {
  return page.evaluate(() => (globalThis as unknown as { running: Promise<UploadOutcome> }).running);
}

/** Runs one upload in the page to its end. */
export async function runUpload(page: Page, spec: UploadSpec): Promise<UploadOutcome> {
  await startUpload(page, spec);
  return finishUpload(page);
}

/** Waits until the page's upload has reported at least `bytes` done. */
export async function progressReaches(page: Page, bytes: number, timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction((n) => (globalThis as unknown as { progress: number }).progress >= n, bytes, {
    timeout: timeoutMs,
    polling: 20,
  });
}
