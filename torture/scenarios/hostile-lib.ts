// What the hostile-server cases share: a case's outcome, a server per case on the run's directory, and the check
// that an acknowledged object reads back byte for byte.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { call, errorCode } from '../../harness/oss-http.js';
import type { Rng } from '../lib/rng.js';
import type { RunContext } from '../lib/types.js';

export interface Outcome {
  problems: string[];
  /** Objects whose bytes were compared with what was acknowledged. */
  verified: number;
  /** Faults injected (races, errors, stalls, probes). */
  faults: number;
  /** A wrong object or file became visible. */
  wrong?: boolean;
  /** Cannot run here, with the reason. */
  skip?: string;
}

export type Case = { name: string; run(r: Rng, ctx: RunContext): Promise<Outcome> };

export async function withServer<T>(
  ctx: RunContext,
  opts: Parameters<typeof startTestServer>[0],
  fn: (srv: TestServer) => Promise<T>,
): Promise<T> {
  const srv = await startTestServer({ root: join(ctx.dir, `root-${randomBytes(3).toString('hex')}`), ...opts });
  try {
    return await fn(srv);
  } finally {
    await srv.close();
  }
}

/** GETs `key` and compares with `body`: a difference is a wrong object. */
export async function verify(srv: TestServer, bucket: string, key: string, body: Buffer, o: Outcome): Promise<void> {
  const r = await call(srv, { bucket, key });
  if (r.status !== 200) o.problems.push(`${bucket}/${key}: acknowledged, now HTTP ${r.status} ${errorCode(r)}`);
  else if (!r.body.equals(body)) {
    o.problems.push(`${bucket}/${key}: wrong bytes`);
    o.wrong = true;
  }
  o.verified++;
}
