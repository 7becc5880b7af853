// CORS: Put/Get/DeleteBucketCors, the OPTIONS preflight, and CORS headers on actual requests
// (OSS-PROTOCOL-2.md §3). Rules are tried in order; the first whose origin, method and headers all match wins.
import type { ServerResponse } from 'node:http';
import { buildCorsConfiguration, type CorsConfig, type CorsRule, parseCorsConfiguration } from '../../core/xml-cors.js';
import { textsOf, type XmlObject } from '../../core/xml-core.js';
import { ErrorReply } from '../errors.js';
import type { OssRequest } from '../request.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import type { BucketConfigStore } from '../store/bucket-config.js';
import { readVerifiedBody, requireOwner, type Ctx } from './context.js';

const METHODS = new Set(['GET', 'PUT', 'DELETE', 'POST', 'HEAD']);

/** Every text child named `name` (one or many). */
export const texts = textsOf;

/** The element children named `name` (none, one or many), non-element ones as empty objects. */
export function objects(obj: XmlObject, name: string): XmlObject[] {
  const v = obj[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'object' && !Array.isArray(x) ? x : {}));
}

/** InvalidArgument for a configuration document that names no single argument. */
export function invalid(message: string): ErrorReply {
  return new ErrorReply('InvalidArgument', {}, { message });
}

export function parseCorsConfig(text: string): CorsConfig {
  let config: CorsConfig;
  try {
    config = parseCorsConfiguration(text);
  } catch {
    throw new ErrorReply('MalformedXML');
  }
  for (const rule of config.rules) {
    // OSS keeps header names lower-case (GetBucketCors answers "GET" put as AllowedHeader with "get").
    rule.allowedHeaders = rule.allowedHeaders.map((h) => h.toLowerCase());
    if (rule.allowedOrigins.length === 0) throw invalid('Each CORSRule needs at least one AllowedOrigin.');
    if (rule.allowedMethods.length === 0) throw invalid('Each CORSRule needs at least one AllowedMethod.');
    for (const m of rule.allowedMethods)
      if (!METHODS.has(m)) throw invalid(`AllowedMethod "${m}" is not one of GET, PUT, DELETE, POST, HEAD.`);
    for (const o of [...rule.allowedOrigins, ...rule.allowedHeaders]) {
      if ((o.match(/\*/g) ?? []).length > 1) throw invalid(`"${o}" holds more than one "*".`);
    }
    for (const h of rule.exposeHeaders)
      if (h.includes('*')) throw invalid(`ExposeHeader "${h}" cannot hold a wildcard.`);
    if (Number.isNaN(rule.maxAgeSeconds)) throw invalid('MaxAgeSeconds is not a non-negative integer.');
  }
  if (config.rules.length === 0)
    throw new ErrorReply('MalformedXML', {}, { message: 'CORSConfiguration needs at least one CORSRule.' });
  if (config.rules.length > 10) throw new ErrorReply('CORSRuleBeyondLimit');
  return config;
}

export async function putBucketCors(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const body = await readVerifiedBody(ctx);
  if (Buffer.byteLength(body) > 16 * 1024)
    throw new ErrorReply('MalformedXML', {}, { message: 'A CORS configuration is at most 16 KB.' });
  await ctx.store.configs.put(ctx.bucket.name, 'cors', parseCorsConfig(body));
  sendEmpty(ctx.res, 200);
}

export async function getBucketCors(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const c = await ctx.store.configs.get<CorsConfig>(ctx.bucket.name, 'cors');
  if (!c) throw new ErrorReply('NoSuchCORSConfiguration', { BucketName: ctx.bucket.name });
  sendXmlText(ctx.res, 200, buildCorsConfiguration(c));
}

export async function deleteBucketCors(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  await ctx.store.configs.delete(ctx.bucket.name, 'cors');
  sendEmpty(ctx.res, 204);
}

function wildcard(pattern: string, value: string, caseless: boolean): boolean {
  if (pattern === '*') return true;
  const star = pattern.indexOf('*');
  const [p, v] = caseless ? [pattern.toLowerCase(), value.toLowerCase()] : [pattern, value];
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

function matchRule(c: CorsConfig, origin: string, method: string, headers: string[]): CorsRule | undefined {
  return c.rules.find(
    (r) =>
      r.allowedOrigins.some((o) => wildcard(o, origin, false)) &&
      r.allowedMethods.includes(method) &&
      headers.every((h) => r.allowedHeaders.some((a) => wildcard(a, h, true))),
  );
}

function corsHeaders(
  rule: CorsRule,
  origin: string,
  requested: { method: string; headers: string[] },
): Record<string, string> {
  const h: Record<string, string> = {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
  };
  if (requested.headers.length) h['Access-Control-Allow-Headers'] = requested.headers.join(', ');
  if (rule.exposeHeaders.length) h['Access-Control-Expose-Headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) h['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  return h;
}

function requestedHeaders(req: OssRequest): string[] {
  return (req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** OPTIONS on a bucket or object: no authentication; 200 with the matched rule's headers, else 403. */
export async function preflight(ctx: Ctx): Promise<void> {
  const origin = ctx.req.headers.origin;
  const method = ctx.req.headers['access-control-request-method'];
  if (!origin || !method) {
    throw new ErrorReply(
      'BadRequest',
      {},
      {
        message: `Insufficient information. ${!origin ? 'Origin' : 'Access-Control-Request-Method'} request header needed.`,
      },
    );
  }
  const c = await ctx.store.configs.get<CorsConfig>(ctx.bucket.name, 'cors');
  const headers = requestedHeaders(ctx.req);
  const rule = c && matchRule(c, origin, method.trim().toUpperCase(), headers);
  if (c?.responseVary) ctx.res.setHeader('Vary', 'Origin');
  if (!rule) throw new ErrorReply('AccessForbidden', {}, { headers: c?.responseVary ? { Vary: 'Origin' } : {} });
  sendEmpty(ctx.res, 200, corsHeaders(rule, origin, { method, headers }));
}

/**
 * On an actual request with Origin, the first matching rule's headers go on the response, errors included (a failed
 * signature or an expired token too: the dispatcher calls this before authenticating, or a page could not read why
 * it failed); without a match the request is served all the same, just without them.
 */
export async function applyCors(
  req: OssRequest,
  res: ServerResponse,
  configs: BucketConfigStore,
  bucket: string,
): Promise<void> {
  const origin = req.headers.origin;
  if (req.method === 'OPTIONS') return;
  const c = await configs.get<CorsConfig>(bucket, 'cors');
  if (!c) return;
  if (c.responseVary) res.setHeader('Vary', 'Origin');
  if (!origin) return;
  const rule = matchRule(c, origin, req.method, []);
  if (!rule) return;
  for (const [k, v] of Object.entries(corsHeaders(rule, origin, { method: req.method, headers: [] })))
    res.setHeader(k, v);
}
