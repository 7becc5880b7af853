// Real Chromium for browser tests (Debian's `chromium`, driven by playwright-core through executablePath), a static
// page server on a second origin, and the embedded server with a bucket whose CORS rule the test chooses. Everything
// started here is stopped by close(), each step bounded in time, so a browser that hangs or never starts fails the
// test with a clear message instead of holding CI.
import { existsSync } from 'node:fs';
import { after, before, test, type TestContext, type TestOptions } from 'node:test';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO } from '../../harness/cli.js';
import { call, mkBucket } from '../../harness/oss-http.js';
import { startTestServer, type TestServer } from '../../harness/server.js';
import { buildCorsConfiguration, uploaderCorsRule as uploaderRule } from '../../src/core/xml-cors.js';
import type { ServerOptions } from '../../src/server/index.js';

/** The Chromium binary (Debian's package; .ci/run installs it). OSSUP_CHROMIUM overrides it for local runs. */
export const CHROMIUM_PATH = process.env.OSSUP_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why Chromium tests cannot run here, or false. Like the tmux test: a machine without Chromium skips them (a user's
 * `npm test`), but under CI a missing Chromium is a failure, never a skip (.ci/run installs it).
 */
export const NO_CHROMIUM: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `Chromium not installed at ${CHROMIUM_PATH} (apt-get install -y chromium, or set OSSUP_CHROMIUM)`;
if (NO_CHROMIUM && process.env.CI) throw new Error(`${NO_CHROMIUM}: required under CI (.ci/run installs it)`);

/** node:test's test, skipped where Chromium is missing (see NO_CHROMIUM). */
export const browserTest = (name: string, opts: TestOptions, fn: (t: TestContext) => Promise<void>) =>
  test(name, { ...opts, skip: NO_CHROMIUM }, fn);
/** node:test's before and after hooks, not run where Chromium is missing. */
export const browserBefore = (fn: () => Promise<void>) => before(async () => void (NO_CHROMIUM || (await fn())));
export const browserAfter = (fn: () => Promise<void>) => after(async () => void (NO_CHROMIUM || (await fn())));

/** How long Chromium may take to start, and each teardown step to finish. */
const LAUNCH_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 15_000;

// playwright-core adds its own automation flags; these make Chromium fit a container (root, small /dev/shm, no GPU).
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
];

/** Rejects with `what` when `p` has not settled within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts headless Chromium, or throws one clear error saying why not and what to do. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium, as .ci/run ` +
        'does) or set OSSUP_CHROMIUM to a Chromium binary',
    );
  }
  try {
    return await within(
      chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: LAUNCH_TIMEOUT_MS,
      }),
      LAUNCH_TIMEOUT_MS + 5_000,
      `starting ${CHROMIUM_PATH}`,
    );
  } catch (e) {
    const lines = (e instanceof Error ? e.message : String(e)).split('\n').filter((l) => !l.includes('<launching>'));
    const why = lines
      .slice(0, 4)
      .map((l) => l.slice(0, 300))
      .join('\n');
    throw new Error(`Chromium at ${CHROMIUM_PATH} did not start: ${why}`, { cause: e });
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** A static site on its own origin (127.0.0.1, another port than the OSS server: a cross-origin page). */
export interface StaticSite {
  /** e.g. http://127.0.0.1:40123 (no trailing slash): the Origin the page's requests carry. */
  origin: string;
  /** The absolute URL of `path` on this site (default `/`). */
  url(path?: string): string;
  close(): Promise<void>;
}

export interface StaticSiteOptions {
  /** Directory served at `/` (default: the repository root, so `/dist/browser/ossup.js` and `/examples/...` work). */
  root?: string;
  /** Paths answered from memory before the directory, e.g. `{ '/': '<!doctype html>...' }` (HTML unless `.js` etc.). */
  pages?: Record<string, string | Uint8Array>;
}

function typeOf(path: string, fallback = 'text/html; charset=utf-8'): string {
  return TYPES[extname(path).toLowerCase()] ?? (extname(path) ? 'application/octet-stream' : fallback);
}

/** Serves `pages` and the files under `root` (GET and HEAD, no caching, nothing outside root). */
export async function startStaticSite(opts: StaticSiteOptions = {}): Promise<StaticSite> {
  const root = resolve(opts.root ?? REPO);
  const pages = new Map(Object.entries(opts.pages ?? {}));
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, type: string, body: string | Uint8Array) => {
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET or HEAD only\n');
    const page = pages.get(path);
    if (page !== undefined) return send(200, typeOf(path), page);
    let file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return send(403, 'text/plain', 'outside the site root\n');
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      send(200, typeOf(file), await readFile(file));
    } catch {
      send(404, 'text/plain', `${path}: not found\n`);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path = '/') => new URL(path, origin).toString(),
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** One CORS rule as PutBucketCors takes it (names as in the OSS XML). */
export interface CorsRuleXml {
  AllowedOrigin: string[];
  AllowedMethod: string[];
  AllowedHeader?: string[];
  ExposeHeader?: string[];
  MaxAgeSeconds?: number;
}

/** What a browser uploader needs (the rule `ossup cors set` writes by default, core/xml-cors.ts), for the given origins. */
export function uploaderCorsRule(origins: string[]): CorsRuleXml {
  const r = uploaderRule(origins);
  return {
    AllowedOrigin: r.allowedOrigins,
    AllowedMethod: r.allowedMethods,
    AllowedHeader: r.allowedHeaders,
    ExposeHeader: r.exposeHeaders,
    ...(r.maxAgeSeconds === undefined ? {} : { MaxAgeSeconds: r.maxAgeSeconds }),
  };
}

function corsXml(rules: CorsRuleXml[]): string {
  return buildCorsConfiguration({
    rules: rules.map((r) => ({
      allowedOrigins: r.AllowedOrigin,
      allowedMethods: r.AllowedMethod,
      allowedHeaders: r.AllowedHeader ?? [],
      exposeHeaders: r.ExposeHeader ?? [],
      ...(r.MaxAgeSeconds === undefined ? {} : { maxAgeSeconds: r.MaxAgeSeconds }),
    })),
    responseVary: false,
  });
}

/** Replaces the bucket's CORS rules (an empty list deletes them: no cross-origin request is then allowed). */
export async function setBucketCors(srv: TestServer, bucket: string, rules: CorsRuleXml[]): Promise<void> {
  const r =
    rules.length === 0
      ? await call(srv, { method: 'DELETE', bucket, query: [['cors', '']] })
      : await call(srv, { method: 'PUT', bucket, query: [['cors', '']], body: corsXml(rules) });
  if (r.status !== 200 && r.status !== 204) throw new Error(`PutBucketCors ${bucket}: ${r.status} ${r.text}`);
}

export interface BrowserTestbedOptions {
  /** The bucket created on the server (default `browser`). */
  bucket?: string;
  /**
   * The bucket's CORS rules; default `[uploaderCorsRule([site.origin])]`. A function receives the site's origin.
   * `[]` sets none: every cross-origin request is then blocked.
   */
  cors?: CorsRuleXml[] | ((origin: string) => CorsRuleXml[]);
  /** The static site (default: the repository root, nothing in memory). */
  site?: StaticSiteOptions;
  /** Extra options for the embedded server (e.g. STS credentials). */
  server?: Partial<ServerOptions>;
}

/** Chromium, a page site on one origin and the OSS server on another; close() stops all three. */
export interface BrowserTestbed {
  browser: Browser;
  site: StaticSite;
  srv: TestServer;
  bucket: string;
  /**
   * A new page in a fresh context (its own IndexedDB and cache), with the page's console errors and uncaught
   * exceptions gathered in `errors` (say them in an assertion message: they are why a page test failed).
   */
  newPage(): Promise<Page & { errors: string[] }>;
  close(): Promise<void>;
}

/**
 * Starts the server, the site and Chromium (in that order, so a Chromium that cannot start costs little); if any
 * step fails, what already runs is stopped before the error is thrown.
 */
export async function startBrowserTestbed(opts: BrowserTestbedOptions = {}): Promise<BrowserTestbed> {
  const bucket = opts.bucket ?? 'browser';
  const stops: Array<() => Promise<void>> = [];
  const close = async () => {
    const all = stops.splice(0).reverse();
    for (const stop of all) await within(stop(), CLOSE_TIMEOUT_MS, 'browser test teardown').catch(() => undefined);
  };
  try {
    const srv = await startTestServer(opts.server);
    stops.push(() => srv.close());
    const site = await startStaticSite(opts.site);
    stops.push(() => site.close());
    await mkBucket(srv, bucket);
    const rules = typeof opts.cors === 'function' ? opts.cors(site.origin) : opts.cors;
    await setBucketCors(srv, bucket, rules ?? [uploaderCorsRule([site.origin])]);
    const browser = await launchChromium();
    stops.push(() => browser.close());
    return {
      browser,
      site,
      srv,
      bucket,
      async newPage() {
        const context = await browser.newContext();
        const page = (await context.newPage()) as Page & { errors: string[] };
        page.errors = [];
        page.on('console', (m) => {
          if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
        });
        page.on('pageerror', (e) => page.errors.push(`uncaught: ${e.message}`));
        return page;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
