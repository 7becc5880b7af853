#!/usr/bin/env node
// The browser example, served: `npm run build && node examples/browser/serve.js [--port 5173] [--root DIR]`.
// Starts the embedded OSS server (any free port; data in --root, default a fixed directory under the system's temp dir,
// so a restart keeps unfinished uploads), makes bucket "uploads" with the CORS rule a browser uploader needs for the page's origin, and serves the
// page on another port (another origin, as a real app and OSS are). The page asks /sts for temporary credentials, as
// a page asks its backend: it never holds a long-term key. Ctrl-C stops both.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LIBRARY = join(REPO, 'dist/src/index.js');
const BUNDLE = join(REPO, 'dist/browser/ossup.js');
const BUCKET = 'uploads';
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };
/** What the page may load: the example itself and the browser build (nothing else of the repository). */
const SERVED = ['/examples/browser/', '/dist/browser/'];

function fail(message) {
  process.stderr.write(`examples/browser/serve.js: ${message}\n`);
  process.exit(2);
}

const USAGE = 'usage: node examples/browser/serve.js [--port N] [--root DIR] (N from 0 to 65535, 0 = any free port)';
const flags = {};
for (let i = 2; i < process.argv.length; i += 2) {
  const [name, value] = [process.argv[i], process.argv[i + 1]];
  if ((name !== '--port' && name !== '--root') || value === undefined) fail(USAGE);
  flags[name.slice(2)] = value;
}
const wanted = flags.port === undefined ? 5173 : Number(flags.port);
if (!/^\d+$/.test(flags.port ?? '0') || wanted > 65535) fail(USAGE);
if (!existsSync(LIBRARY)) fail(`${LIBRARY} is missing: run npm run build first`);
if (!existsSync(BUNDLE)) process.stderr.write(`examples/browser/serve.js: warning: ${BUNDLE} is missing; run npm run build\n`);
const { startServer, OssClient, uploaderCorsRule } = await import(pathToFileURL(LIBRARY).href);

// Temporary credentials for this run, as STS would hand them out: the server accepts them, the page fetches them.
const sts = {
  accessKeyId: `STS.example-${randomBytes(6).toString('hex')}`,
  accessKeySecret: randomBytes(24).toString('base64url'),
  securityToken: randomBytes(32).toString('base64url'),
};
const root = resolve(flags.root ?? join(tmpdir(), 'ossup-browser-example'));
const oss = await startServer({ root, host: '127.0.0.1', port: 0, credentials: [sts] });

const page = createServer(async (req, res) => {
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://page').pathname);
  if (path === '/' || path === '/examples/browser') {
    res.writeHead(302, { location: '/examples/browser/' });
    return res.end();
  }
  if (path === '/sts') return send(200, 'application/json', JSON.stringify(sts));
  if (path === '/config.json') return send(200, 'application/json', JSON.stringify({ endpoint: oss.endpoint, bucket: BUCKET }));
  const file = resolve(join(REPO, path.endsWith('/') ? `${path}index.html` : path));
  if (!SERVED.some((p) => file.startsWith(join(REPO, p)))) return send(404, 'text/plain', 'not found\n');
  try {
    send(200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
  } catch {
    send(404, 'text/plain', `${path}: not found${path.startsWith('/dist/') ? ' (run npm run build)' : ''}\n`);
  }
});

async function listen(port) {
  return new Promise((ok, no) => {
    page.once('error', no);
    page.listen(port, '127.0.0.1', () => {
      page.off('error', no);
      ok(page.address().port);
    });
  });
}
let port;
try {
  port = await listen(wanted);
} catch (err) {
  if (err.code !== 'EADDRINUSE' || flags.port !== undefined) {
    await oss.close();
    fail(`cannot listen on 127.0.0.1:${wanted}: ${err.code ?? err.message}`);
  }
  port = await listen(0); // 5173 taken (another dev server): any free port does, the CORS rule follows it
}

// The page may be opened as 127.0.0.1 or localhost: two origins to a browser, both allowed.
const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
const client = new OssClient({ endpoint: oss.endpoint, credentials: sts });
try {
  await client.putBucket(BUCKET);
  await client.putBucketCors(BUCKET, [uploaderCorsRule(origins)]);
} finally {
  await client.close();
}
process.stdout.write(
  `ossup browser example: open http://127.0.0.1:${port}/ (OSS ${oss.endpoint}, bucket ${BUCKET}, data in ${root}); Ctrl-C stops\n`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    page.closeAllConnections();
    await Promise.all([new Promise((ok) => page.close(ok)), oss.close()]);
    process.stdout.write('ossup browser example: stopped\n');
    process.exit(0);
  });
}
