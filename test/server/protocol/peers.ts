// ali-oss in the four modes the conformance tests use (V1/V4, IP endpoint with a virtual Host / path-style).
import { createRequire } from 'node:module';
import type { TestServer } from '../../../harness/server.js';

// ali-oss ships no type declarations; load it untyped rather than declare the module project-wide.
export type AliClient = any;
const OSS = createRequire(import.meta.url)('ali-oss') as new (opts: Record<string, unknown>) => any;

export const MODES = [
  { name: 'V1, IP endpoint', v4: false, sld: false },
  { name: 'V4, IP endpoint', v4: true, sld: false },
  { name: 'V1, path-style', v4: false, sld: true },
  { name: 'V4, path-style', v4: true, sld: true },
] as const;

export type Mode = (typeof MODES)[number];

export function aliClient(srv: TestServer, mode: Mode, bucket?: string): AliClient {
  const port = new URL(srv.endpoint).port;
  return new OSS({
    endpoint: mode.sld ? `http://localhost:${port}` : `http://127.0.0.1:${port}`,
    region: 'oss-cn-hangzhou',
    accessKeyId: srv.credentials.accessKeyId,
    accessKeySecret: srv.credentials.accessKeySecret,
    authorizationV4: mode.v4,
    sldEnable: mode.sld,
    timeout: 20000,
    ...(bucket ? { bucket } : {}),
  });
}

/** The error of a promise that must fail. */
export async function failure(p: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; status: number };
  }
  throw new Error('expected an error');
}
