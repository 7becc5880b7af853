// Turns an incoming node request into the addressed OSS request: bucket and key by the addressing rule of
// OSS-PROTOCOL.md §1, decoded query pairs in the order sent, and lower-case headers.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { percentDecode, parseQueryString } from '../core/encode.js';
import { ErrorReply } from './errors.js';

export interface OssRequest {
  /** x-oss-request-id of this request: 24 upper-case hex chars. */
  id: string;
  method: string;
  /** Host header without the port. */
  host: string;
  rawPath: string;
  bucket?: string;
  /** Decoded object key; undefined for service and bucket requests. */
  key?: string;
  /** The key as sent (still percent-encoded); auth-variants.ts re-reads it when a signature fails. */
  rawKey?: string;
  /** Decoded query pairs in the order sent; a bare name has value ''. */
  query: Array<[string, string]>;
  /** Lower-case header names; repeated headers joined with ','. */
  headers: Record<string, string>;
  clientIp: string;
  raw: IncomingMessage;
}

/** Random per process, then a counter: unique like OSS's ids without 12 random bytes per request. */
const ID_PREFIX = randomBytes(6).toString('hex').toUpperCase();
let idCount = 0;

export function newRequestId(): string {
  return ID_PREFIX + (++idCount).toString(16).toUpperCase().padStart(12, '0');
}

export function q(req: OssRequest, name: string): string | undefined {
  for (const [k, v] of req.query) if (k === name) return v;
  return undefined;
}

export function hasQ(req: OssRequest, name: string): boolean {
  return req.query.some(([k]) => k === name);
}

/**
 * Path-style when Host is an IP, localhost, a dotless name or the configured host; otherwise the first label
 * of Host is the bucket (ali-oss sends `<bucket>.<region>.aliyuncs.com` even to an IP endpoint).
 */
export function parseRequest(raw: IncomingMessage, id: string, ownHosts: Set<string>): OssRequest {
  const headers = lowerHeaders(raw.rawHeaders);
  const host = stripPort(headers.host ?? '');
  const url = raw.url ?? '/';
  const qi = url.indexOf('?');
  const rawPath = qi < 0 ? url : url.slice(0, qi);
  const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
  const req: OssRequest = {
    id,
    method: (raw.method ?? 'GET').toUpperCase(),
    host,
    rawPath,
    query: parseQuery(rawQuery),
    headers,
    clientIp: (raw.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    raw,
  };
  const pathStyle =
    host === '' || isIP(host) !== 0 || host === 'localhost' || !host.includes('.') || ownHosts.has(host);
  let rest = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (pathStyle) {
    if (rest === '') return req;
    const slash = rest.indexOf('/');
    const rawBucket = slash < 0 ? rest : rest.slice(0, slash);
    req.bucket = decodeOr(rawBucket, 'InvalidBucketName');
    rest = slash < 0 ? '' : rest.slice(slash + 1);
  } else {
    // ali-oss without a bucket (ListBuckets) to an IP endpoint sends `Host: .oss-<region>.aliyuncs.com`.
    if (host.startsWith('.') && rest === '') return req;
    req.bucket = host.slice(0, host.indexOf('.'));
  }
  if (rest !== '') {
    req.key = decodeOr(rest, 'InvalidObjectName');
    req.rawKey = rest;
  }
  return req;
}

function decodeOr(s: string, code: 'InvalidBucketName' | 'InvalidObjectName'): string {
  try {
    return percentDecode(s, false);
  } catch {
    throw new ErrorReply(code);
  }
}

function parseQuery(raw: string): Array<[string, string]> {
  try {
    return parseQueryString(raw);
  } catch (err) {
    throw new ErrorReply('InvalidArgument', {}, { message: `Malformed query string: ${(err as Error).message}` });
  }
}

function lowerHeaders(rawHeaders: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return (colon >= 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host).toLowerCase();
}
