import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Credentials } from '../core/canonical.js';

/**
 * The endpoint the CLI's client uses for the embedded default. Checkpoints record the endpoint and are discarded
 * for another one, and the server listens on a new ephemeral port each run: were the port part of the endpoint,
 * no embedded upload could ever resume. So the client always says `http://localhost` (path-style, as for any
 * loopback host) and `connectTo` sends it to wherever the server listens this time. The data directory,
 * not the port, is the server's identity.
 */
export const EMBEDDED_ENDPOINT = 'http://localhost';

/** The embedded default: an in-process server over `$OSSUP_HOME/data`, running for one command. */
export interface EmbeddedServer {
  /** Always EMBEDDED_ENDPOINT; reach it through `connectTo`. */
  endpoint: string;
  /** The server's actual loopback address (the client option of that name). */
  connectTo: { host: string; port: number };
  credentials: Credentials;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The embedded server's key pair, generated on first use and kept (mode 0600) so that the same data directory is
 * always served with the same key: `ossup serve` over `$OSSUP_HOME/data` uses these keys too (serve-keys.ts).
 */
export async function embeddedCredentials(home: string): Promise<Credentials> {
  return keyPair(join(home, 'embedded-credentials.json'));
}

/**
 * The key pair kept in `file`, made (mode 0600) when there is none, or when `renew` asks for a new one.
 * Two first runs at once both write a candidate and `link` one into place atomically; the loser reads the winner's.
 */
export async function keyPair(file: string, renew = false): Promise<Credentials> {
  const existing = renew ? undefined : await readKeyFile(file);
  if (existing) return existing;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const creds = {
    accessKeyId: `OSSUP${randomBytes(8).toString('hex').toUpperCase()}`,
    accessKeySecret: randomBytes(24).toString('base64url'),
  };
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600); // the umask may have taken bits away, never added; be explicit all the same
  try {
    if (renew) await rename(tmp, file);
    else await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const stored = await readKeyFile(file);
  if (!stored) throw new Error(`${file} is not a valid key file; delete it and a new pair is generated`);
  return stored;
}

export async function readKeyFile(file: string): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Credentials>;
    if (typeof parsed.accessKeyId === 'string' && typeof parsed.accessKeySecret === 'string') {
      return { accessKeyId: parsed.accessKeyId, accessKeySecret: parsed.accessKeySecret };
    }
  } catch {
    // fall through: reported by the caller
  }
  return undefined;
}

/** Starts the embedded server on an ephemeral loopback port; the command closes it when it ends. */
export async function startEmbedded(home: string, region?: string): Promise<EmbeddedServer> {
  const credentials = await embeddedCredentials(home);
  const dataDir = join(home, 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Loaded on demand: a command against real OSS never needs the server's modules.
  const { startServer } = await import('../server/index.js');
  const server = await startServer({ root: dataDir, host: '127.0.0.1', port: 0, credentials: [credentials], region });
  return {
    endpoint: EMBEDDED_ENDPOINT,
    connectTo: { host: server.host, port: server.port },
    credentials,
    dataDir,
    close: () => server.close(),
  };
}
