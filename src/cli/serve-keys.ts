// How `ossup serve` keeps its key pair across starts, and how the other commands find it for its endpoint.
//
// Without keys given, `serve` takes the pair kept for its data directory: for `$OSSUP_HOME/data` the embedded
// default's own `$OSSUP_HOME/embedded-credentials.json` (one data directory, one key pair, whichever way it is
// served), for any other root `<root>/server/credentials.json`. While it runs it leaves a record in
// `$OSSUP_HOME/serve/` (endpoint, root, key file, pid), so `--endpoint http://127.0.0.1:9000` with no credentials
// configured finds them.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Credentials } from '../core/canonical.js';
import { isProcessAlive } from '../io/fs.js';

/** The key file of a data directory served by `ossup serve`. */
export function serveKeyFile(root: string, home: string): string {
  return resolve(root) === resolve(home, 'data')
    ? join(home, 'embedded-credentials.json')
    : join(resolve(root), 'server', 'credentials.json');
}

interface ServeRecord {
  endpoint: string;
  root: string;
  keyFile: string;
  pid: number;
}

const recordsDir = (home: string) => join(home, 'serve');

/** Notes a running server under `$OSSUP_HOME/serve/`; returns what removes the note again (at stop). */
export function recordServe(home: string, record: Omit<ServeRecord, 'pid'>): () => void {
  const url = new URL(record.endpoint);
  const file = join(recordsDir(home), `${url.hostname.replace(/[^\w.-]/g, '_')}-${url.port}.json`);
  mkdirSync(recordsDir(home), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ ...record, pid: process.pid })}\n`, { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\]|::1|0\.0\.0\.0|\[::\])$/i;

function sameServer(a: URL, b: URL): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.hostname === b.hostname || (LOOPBACK.test(a.hostname) && LOOPBACK.test(b.hostname));
}

/** The key pair of a running `ossup serve` at `endpoint` (recorded under this `$OSSUP_HOME`), if there is one. */
export function servedCredentials(
  home: string,
  endpoint: string,
): { credentials: Credentials; root: string } | undefined {
  let wanted: URL;
  let names: string[];
  try {
    wanted = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
    names = readdirSync(recordsDir(home));
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      const r = JSON.parse(readFileSync(join(recordsDir(home), name), 'utf8')) as ServeRecord;
      if (!sameServer(new URL(r.endpoint), wanted) || !isProcessAlive(r.pid)) continue;
      const keys = JSON.parse(readFileSync(r.keyFile, 'utf8')) as Partial<Credentials>;
      if (typeof keys.accessKeyId === 'string' && typeof keys.accessKeySecret === 'string')
        return { credentials: { accessKeyId: keys.accessKeyId, accessKeySecret: keys.accessKeySecret }, root: r.root };
    } catch {
      // a record being written, or of a server that is gone: not this one
    }
  }
  return undefined;
}
