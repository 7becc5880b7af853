// crash-busy: `ossup serve` SIGKILLed while many PUTs, multipart Completes and DELETEs are in flight, then restarted
// on the same root. Every write the server acknowledged before the kill is checked afterwards: an acknowledged PUT
// or Complete is there with its exact bytes (unless an acknowledged DELETE removed it), an acknowledged DELETE is
// gone, and a request cut by the kill left either nothing or the whole new version, never anything else.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { call, errorCode, mkBucket, type CallResult, type Target } from '../../harness/oss-http.js';
import { SERVE_CREDENTIALS, sleep, startServe } from '../lib/procs.js';
import { rng } from '../lib/rng.js';
import type { RunContext, RunResult, Scenario } from '../lib/types.js';

const BUCKET = 'busy';
const PART = 100 * 1024;

interface KeyState {
  bytes: Buffer;
  /** The write was answered 200 before the kill. */
  written: boolean;
  /** A DELETE was sent: 'acked' once answered 204. */
  deleted?: 'sent' | 'acked';
}

export const failedCall = (err: Error): CallResult => ({
  status: 0,
  headers: {},
  body: Buffer.alloc(0),
  text: err.message,
});

async function crashBusyRun(ctx: RunContext): Promise<RunResult> {
  const r = rng(ctx.seed);
  const root = join(ctx.dir, 'root');
  await mkdir(root, { recursive: true });
  let server = await startServe(root);
  const keys = new Map<string, KeyState>();
  const problems: string[] = [];
  let wrong = false;
  let faults = 0;
  const kills = r.int(1, 3);
  try {
    const port = server.port;
    await mkBucket({ endpoint: server.endpoint, credentials: SERVE_CREDENTIALS }, BUCKET);
    for (let k = 0; k < kills; k++) {
      const t: Target = { endpoint: server.endpoint, credentials: SERVE_CREDENTIALS };
      const inFlight: Array<Promise<unknown>> = [];
      const stopAt = Date.now() + r.int(100, 1200);
      let n = 0;
      // Workers issue writes until the kill lands; each answer is recorded as it arrives.
      const worker = async (w: number) => {
        while (Date.now() < stopAt + 2000) {
          const id = `k${k}-${w}-${n++}`;
          const roll = r.next();
          const done = [...keys.entries()].filter(([, s]) => s.written && !s.deleted);
          if (roll < 0.25 && done.length > 0) {
            const [key, s] = done[Math.floor(r.next() * done.length)]!;
            s.deleted = 'sent';
            const d = await call(t, { method: 'DELETE', bucket: BUCKET, key }).catch(failedCall);
            if (d.status === 204) s.deleted = 'acked';
            if (d.status === 0) return;
          } else if (roll < 0.45) {
            const bytes = randomBytes(PART + r.int(1, 50 * 1024));
            const s: KeyState = { bytes, written: false };
            keys.set(id, s);
            const init = await call(t, { method: 'POST', bucket: BUCKET, key: id, query: [['uploads', '']] }).catch(
              failedCall,
            );
            const uploadId = /<UploadId>([^<]+)</.exec(init.text)?.[1];
            if (!uploadId) return;
            const etags: string[] = [];
            for (const [i, part] of [bytes.subarray(0, PART), bytes.subarray(PART)].entries()) {
              const p = await call(t, {
                method: 'PUT',
                bucket: BUCKET,
                key: id,
                query: [
                  ['partNumber', String(i + 1)],
                  ['uploadId', uploadId],
                ],
                body: part,
              }).catch(failedCall);
              if (p.status !== 200) return;
              etags.push(String(p.headers.etag));
            }
            const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
            const c = await call(t, {
              method: 'POST',
              bucket: BUCKET,
              key: id,
              query: [['uploadId', uploadId]],
              body: xml,
            }).catch(failedCall);
            if (c.status === 200) s.written = true;
            if (c.status === 0) return;
          } else {
            const bytes = randomBytes(r.int(0, 64) * 1024);
            const s: KeyState = { bytes, written: false };
            keys.set(id, s);
            const p = await call(t, { method: 'PUT', bucket: BUCKET, key: id, body: bytes }).catch(failedCall);
            if (p.status === 200) s.written = true;
            if (p.status === 0) return;
          }
        }
      };
      for (let w = 0, workers = r.int(4, 12); w < workers; w++) inFlight.push(worker(w));
      await sleep(Math.max(0, stopAt - Date.now()));
      await server.kill();
      faults++;
      await Promise.all(inFlight);
      await sleep(r.int(0, 500));
      server = await startServe(root, port);
    }
    // Every key, read back over raw signed GETs from the restarted server.
    const t: Target = { endpoint: server.endpoint, credentials: SERVE_CREDENTIALS };
    let verified = 0;
    for (const [key, s] of keys) {
      const g = await call(t, { bucket: BUCKET, key });
      verified++;
      const present = g.status === 200;
      if (g.status !== 200 && !(g.status === 404 && errorCode(g) === 'NoSuchKey'))
        problems.push(`${key}: HTTP ${g.status} ${errorCode(g)}`);
      if (present && !g.body.equals(s.bytes)) {
        problems.push(`${key}: wrong bytes (${g.body.length} vs ${s.bytes.length})`);
        wrong = true;
      }
      if (s.deleted === 'acked' && present) problems.push(`${key}: an acknowledged DELETE came back`);
      if (s.written && !s.deleted && !present) {
        problems.push(`${key}: an acknowledged write was lost`);
        wrong = true;
      }
    }
    const acked = [...keys.values()].filter((s) => s.written).length;
    const label = `${kills} kill(s), ${keys.size} keys (${acked} acknowledged, ${[...keys.values()].filter((s) => s.deleted === 'acked').length} deleted)`;
    return {
      passed: problems.length === 0,
      wrong,
      bytesVerified: 0,
      bytesResent: 0,
      label,
      objectsVerified: verified,
      faults,
      ...(problems.length ? { detail: problems.slice(0, 5).join('; ') } : {}),
    };
  } finally {
    await server.kill();
  }
}

export const crashBusy: Scenario = {
  name: 'crash-busy',
  description:
    'ossup serve SIGKILLed with many PUTs, Completes and DELETEs in flight; every acknowledged write checked after restart',
  cases: 0,
  run: crashBusyRun,
};
