// Raw signed HTTP for server tests: what ali-oss cannot be made to send (bad digests, odd ranges, forged
// signatures) goes through here, signed with core's signers exactly as a client would sign it.
import { request } from 'node:http';
import type { Credentials, SignableRequest } from '../src/core/canonical.js';
import { buildQueryString, encodeKeyPath } from '../src/core/encode.js';
import { authorizationV1 } from '../src/core/sign-v1.js';
import { authorizationV4, formatV4Date } from '../src/core/sign-v4.js';

export interface CallOptions {
  method?: string;
  bucket?: string;
  key?: string;
  query?: Array<[string, string]>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** 'none' sends an anonymous request; default 'v1'. */
  sign?: 'v1' | 'v4' | 'none';
  creds?: Credentials;
  date?: Date;
  region?: string;
  /** Send this Host header (virtual-hosted tests); the path then omits the bucket. */
  host?: string;
  /** Use this raw path instead of building one from bucket/key. */
  rawPath?: string;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export interface Target {
  endpoint: string;
  credentials: Credentials;
}

export function pathOf(bucket?: string, key?: string): string {
  if (bucket === undefined) return '/';
  return `/${bucket}/${key === undefined ? '' : encodeKeyPath(key)}`;
}

export function signHeaders(o: CallOptions, creds: Credentials, bodyLength: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = v;
  headers['content-length'] ??= String(bodyLength);
  const date = o.date ?? new Date();
  const sign = o.sign ?? 'v1';
  const s: SignableRequest = { method: o.method ?? 'GET', query: o.query ?? [], headers };
  if (o.bucket !== undefined) s.bucket = o.bucket;
  if (o.key !== undefined) s.key = o.key;
  if (sign === 'v1') {
    headers.date ??= date.toUTCString();
    if (creds.securityToken) headers['x-oss-security-token'] = creds.securityToken;
    headers.authorization = authorizationV1(s, creds);
  } else if (sign === 'v4') {
    headers['x-oss-date'] = formatV4Date(date);
    headers['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
    if (creds.securityToken) headers['x-oss-security-token'] = creds.securityToken;
    headers.authorization = authorizationV4(s, creds, { date, region: o.region ?? 'cn-hangzhou' });
  }
  return headers;
}

export function call(t: Target, o: CallOptions = {}): Promise<CallResult> {
  const body = o.body === undefined ? Buffer.alloc(0) : Buffer.from(o.body);
  const headers = signHeaders(o, o.creds ?? t.credentials, body.length);
  const qs = buildQueryString(o.query ?? []);
  const path =
    (o.rawPath ?? (o.host ? `/${o.key === undefined ? '' : encodeKeyPath(o.key)}` : pathOf(o.bucket, o.key))) +
    (qs ? `?${qs}` : '');
  if (o.host) headers.host = o.host;
  return send(t.endpoint, o.method ?? 'GET', path, headers, body);
}

export function send(
  endpoint: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer = Buffer.alloc(0),
): Promise<CallResult> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The <Code> of an error body, or of the base64 x-oss-err header of a HEAD error. */
export function errorCode(r: CallResult): string | undefined {
  const text =
    r.text ||
    (typeof r.headers['x-oss-err'] === 'string' ? Buffer.from(r.headers['x-oss-err'], 'base64').toString('utf8') : '');
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}

function unescapeXml(s: string): string {
  return s.replace(/&(quot|amp|lt|gt|apos|#\d+);/g, (_, e: string) =>
    e === 'quot'
      ? '"'
      : e === 'amp'
        ? '&'
        : e === 'lt'
          ? '<'
          : e === 'gt'
            ? '>'
            : e === 'apos'
              ? "'"
              : String.fromCharCode(Number(e.slice(1))),
  );
}

/** Text of the first <name> element, entities decoded. */
export function xmlField(text: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text);
  return m ? unescapeXml(m[1]!) : undefined;
}

export function xmlFields(text: string, name: string): string[] {
  return [...text.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => unescapeXml(m[1]!));
}

export async function mkBucket(t: Target, bucket: string, headers: Record<string, string> = {}): Promise<void> {
  const r = await call(t, { method: 'PUT', bucket, headers });
  if (r.status !== 200) throw new Error(`PutBucket ${bucket}: ${r.status} ${r.text}`);
}

export async function put(
  t: Target,
  bucket: string,
  key: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<CallResult> {
  return call(t, { method: 'PUT', bucket, key, body, headers });
}
