// The embedded OSS-compatible server, started in-process: `startServer({ root, port: 0 })`. `ossup serve`
// (serve.ts) and the test helper both go through here.
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { rm } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import type { Credentials } from '../core/canonical.js';
import { Authenticator } from './auth.js';
import { CallbackSigner, PUBLIC_KEY_PATH } from './callback.js';
import { createDispatcher } from './dispatch.js';
import { startLifecycleTimer, sweepLifecycle, type SweepReport } from './lifecycle-sweep.js';
import { MultipartStore } from './store/multipart.js';
import { ObjectStore } from './store/objects.js';
import { Throttle, type ThrottleOptions } from './throttle.js';

export type { Credentials };

/** A key the server accepts: an STS key may carry the time it expires. */
export type ServerCredentials = Credentials & { expiration?: string };

export interface ServerOptions {
  /** Storage root; created if missing. One server process per root. */
  root: string;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral; default 0. */
  port?: number;
  /**
   * Accepted keys. An entry with a securityToken is an STS key: its requests must carry that token, and with an
   * `expiration` (ISO 8601, as STS returns it) it is refused as SecurityTokenExpired from then on (read at each
   * request, so a test may expire a key by setting it).
   */
  credentials?: ServerCredentials[];
  /** Region of V4 scopes and bucket locations; default 'cn-hangzhou'. */
  region?: string;
  /** Injectable clock (ms since epoch) for skew and expiry tests. */
  now?: () => number;
  /**
   * Extra host names that address the server itself (path-style), e.g. the LAN name clients use when it
   * listens on 0.0.0.0. The listen host, localhost, IPs and dotless names are always path-style; any other
   * Host is virtual-hosted (its first label is the bucket).
   */
  pathStyleHosts?: string[];
  /** Where internal errors are reported (with the request ID); default none. */
  log?: (line: string) => void;
  /** How often lifecycle rules are applied (ms); default 60000. Time is read from `now`. */
  lifecycleIntervalMs?: number;
  /** A request body that makes no progress for this long is answered 400 RequestTimeout; default 30 000 ms. */
  bodyTimeoutMs?: number;
  /**
   * Bytes per second a request body must average over each `bodyTimeoutMs` spent waiting for it, else 400
   * RequestTimeout and the connection closes: a drip-fed body frees its slot. 0 turns it off; default 1024.
   */
  minBodyRate?: number;
  /**
   * A connection on which nothing moves either way for this long is closed: a reader that stops taking a
   * response holds a socket and an open blob otherwise; default 120 000 ms.
   */
  idleTimeoutMs?: number;
  /** Connections served at once; more are refused at accept, so descriptors stay bounded; default 256. */
  maxConnections?: number;
  /** Throttle like OSS: 503 with x-oss-qos-delay-time past a bandwidth or request rate (throttle.ts); default none. */
  throttle?: ThrottleOptions;
}

export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
export const DEFAULT_MIN_BODY_RATE = 1024;
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_CONNECTIONS = 256;

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:9000 (path-style addressing applies to it). */
  endpoint: string;
  host: string;
  port: number;
  credentials: ServerCredentials[];
  /** URL of the PEM public key that verifies upload callbacks. */
  callbackPublicKeyUrl: string;
  /** Stops accepting, drops idle keep-alive connections, and resolves once the listener is closed. */
  close(): Promise<void>;
  /** Applies the lifecycle rules of every bucket now (the timer does this every `lifecycleIntervalMs`). */
  sweepLifecycle(): Promise<SweepReport>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const credentials = opts.credentials ?? [];
  const store = new ObjectStore(opts.root);
  await store.init();
  const multipart = new MultipartStore(store);
  const callbacks = new CallbackSigner(store.layout.serverDir, store.layout.tmp);
  const config = {
    endpoint: '',
    region: opts.region ?? 'cn-hangzhou',
    now,
    credentials,
    bodyTimeoutMs: opts.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    minBodyRate: opts.minBodyRate ?? DEFAULT_MIN_BODY_RATE,
  };
  const dispatch = createDispatcher({
    store,
    blobs: store.blobs,
    multipart,
    auth: new Authenticator(credentials, now),
    callbacks,
    config,
    ownHosts: new Set([host, hostname(), ...(opts.pathStyleHosts ?? [])].map((h) => h.toLowerCase())),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.throttle ? { throttle: new Throttle(opts.throttle, now) } : {}),
  });
  const server: Server = createServer({ keepAlive: true, requestTimeout: 0 }, dispatch);
  // Part uploads of gigabytes can take long, so there is no whole-request limit; a body that stalls is timed out
  // (bodyTimeoutMs) or crawls (minBodyRate), so is a connection where nothing moves (idleTimeoutMs), and idle keep-alive sockets are reaped.
  server.headersTimeout = Math.min(60_000, opts.idleTimeoutMs ?? 60_000);
  server.keepAliveTimeout = 10_000;
  server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.setTimeout(opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, (socket) => socket.destroy());
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const endpoint = `http://${urlHost}:${port}`;
  config.endpoint = endpoint;
  callbacks.publicKeyUrl = `${endpoint}${PUBLIC_KEY_PATH}`;
  const sweep = () => sweepLifecycle(store, multipart, now());
  const stopLifecycle = startLifecycleTimer(sweep, opts.lifecycleIntervalMs ?? 60_000, opts.log);
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    host,
    port,
    credentials,
    callbackPublicKeyUrl: callbacks.publicKeyUrl,
    sweepLifecycle: sweep,
    close() {
      stopLifecycle();
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          void store
            .saveIndexes()
            .then(() => rm(store.layout.tmp, { recursive: true, force: true }))
            .finally(resolve);
        });
        server.closeIdleConnections();
        // Requests still in flight get a moment to finish, then their sockets are cut.
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 2000).unref();
      });
      return closing;
    },
  };
}
