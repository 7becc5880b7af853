// Upload callbacks (OSS-PROTOCOL.md §6): the RSA key that signs them, its public half served by the server
// itself, and the signed POST to the application's callback URL.
import { HEADERS } from '../core/dialect.js';
import { createSign, generateKeyPairSync, createPublicKey, type KeyObject, createPrivateKey } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/fs.js';

/** Path of the PEM public key on the server. '_' cannot appear in a bucket name, so no bucket route collides. */
export const PUBLIC_KEY_PATH = '/_ossup/callback-public-key.pem';
export const CALLBACK_TIMEOUT_MS = 5000;

export interface CallbackOutcome {
  ok: boolean;
  /** The callback server's JSON on success; why it failed otherwise. */
  body: string;
}

export class CallbackSigner {
  private keys?: Promise<{ priv: KeyObject; publicPem: string }>;

  constructor(
    private readonly serverDir: string,
    private readonly tmpDir: string,
    /** Absolute URL of PUBLIC_KEY_PATH, sent base64 in x-oss-pub-key-url. */
    public publicKeyUrl = '',
  ) {}

  /** The key pair persisted under root, so callback servers that cache the public key keep working after restarts. */
  private load(): Promise<{ priv: KeyObject; publicPem: string }> {
    this.keys ??= (async () => {
      const file = join(this.serverDir, 'callback-key.pem');
      let pem: string;
      try {
        pem = await readFile(file, 'utf8');
      } catch {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        await writeFileAtomic(this.tmpDir, file, pem, this.serverDir);
      }
      const priv = createPrivateKey(pem);
      return { priv, publicPem: createPublicKey(priv).export({ type: 'spki', format: 'pem' }).toString() };
    })();
    return this.keys;
  }

  async publicKeyPem(): Promise<string> {
    return (await this.load()).publicPem;
  }

  /** POSTs `body` to the first URL that answers 200 with JSON; OSS tries each of up to 5 in turn. */
  async post(urls: string[], host: string | undefined, body: string, contentType: string): Promise<CallbackOutcome> {
    const { priv } = await this.load();
    let last = 'no callback URL';
    for (const raw of urls.slice(0, 5)) {
      let url: URL;
      try {
        url = new URL(/^https?:\/\//i.test(raw) ? raw : `http://${raw}`);
      } catch {
        last = `invalid callback URL ${raw}`;
        continue;
      }
      const path = safeDecode(url.pathname) + (url.search ? url.search : '');
      const signature = createSign('RSA-MD5').update(`${path}\n${body}`).sign(priv).toString('base64');
      const outcome = await send(
        url,
        {
          'Content-Type': contentType,
          'Content-Length': String(Buffer.byteLength(body)),
          Host: host || url.host,
          authorization: signature,
          [HEADERS.pubKeyUrl]: Buffer.from(this.publicKeyUrl).toString('base64'),
        },
        body,
      );
      if (outcome.ok) return outcome;
      last = outcome.body;
    }
    return { ok: false, body: last };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function send(url: URL, headers: Record<string, string>, body: string): Promise<CallbackOutcome> {
  return new Promise((resolve) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: 'POST', headers, timeout: CALLBACK_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1 << 20) chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return resolve({ ok: false, body: `Error status : ${res.statusCode}.` });
          try {
            JSON.parse(text);
          } catch {
            return resolve({ ok: false, body: 'Response body is not valid json format.' });
          }
          resolve({ ok: true, body: text });
        });
        res.on('error', (e) => resolve({ ok: false, body: String(e) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('callback timed out after 5 s')));
    req.on('error', (e) => resolve({ ok: false, body: `Error connecting to the callback server: ${e.message}` }));
    req.end(body);
  });
}
