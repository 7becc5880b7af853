// Shared by every integration test: a real embedded server on 127.0.0.1, port 0, over a fresh temp root,
// with one fixed key pair so tests can sign requests without reading anything back from the server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerOptions, type RunningServer } from '../src/server/index.js';

/** The key pair every test server accepts. */
export const TEST_CREDENTIALS = Object.freeze({
  accessKeyId: 'LTAI-ossup-test-key',
  accessKeySecret: 'ossup-test-secret-0123456789abcdef',
});

export interface TestServer {
  /** e.g. http://127.0.0.1:41235 (path-style addressing applies: the host is an IP). */
  endpoint: string;
  /** The server's storage root (a fresh temp dir, removed by close()). */
  root: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  /** The running server, for tests that need host/port or extra credentials. */
  server: RunningServer;
  /** Stops the server and removes the root. */
  close(): Promise<void>;
}

/**
 * Starts a server for one test. `opts.credentials` entries are accepted in addition to TEST_CREDENTIALS
 * (use it for STS keys with a securityToken); `opts.root` reuses an existing root (it is then not removed).
 */
export async function startTestServer(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const ownRoot = opts.root === undefined;
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), 'ossup-server-')));
  const server = await startServer({
    ...opts,
    root,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    credentials: [{ ...TEST_CREDENTIALS }, ...(opts.credentials ?? [])],
  });
  return {
    endpoint: server.endpoint,
    root,
    credentials: { ...TEST_CREDENTIALS },
    server,
    async close() {
      await server.close();
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}
