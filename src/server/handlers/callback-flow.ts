// The handler side of upload callbacks: validate the x-oss-callback headers before any byte is stored, and
// after the commit render callbackBody, call back, and answer 200 with the callback's JSON or 203.
import { HEADERS } from '../../core/dialect.js';
import { ErrorReply } from '../errors.js';
import type { OssRequest } from '../request.js';
import { errorXml } from '../respond.js';
import type { ObjectRecord } from '../store/types.js';
import type { Ctx } from './context.js';

export interface CallbackSpec {
  urls: string[];
  host?: string;
  body: string;
  bodyType: string;
  vars: Record<string, string>;
}

function badCallback(what: string): ErrorReply {
  return new ErrorReply(
    'InvalidArgument',
    { ArgumentName: 'callback', ArgumentValue: what },
    { message: `The callback configuration is invalid: ${what}` },
  );
}

function decodeJson(b64: string, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw badCallback(`${what} is not base64-encoded JSON`);
}

export function parseCallback(req: OssRequest): CallbackSpec | undefined {
  const header = req.headers[HEADERS.callback];
  if (header === undefined) return undefined;
  const cfg = decodeJson(header, HEADERS.callback);
  if (typeof cfg.callbackUrl !== 'string' || cfg.callbackUrl === '') throw badCallback('callbackUrl is required');
  if (typeof cfg.callbackBody !== 'string' || cfg.callbackBody === '') throw badCallback('callbackBody is required');
  const bodyType =
    typeof cfg.callbackBodyType === 'string' && cfg.callbackBodyType
      ? cfg.callbackBodyType
      : 'application/x-www-form-urlencoded';
  const vars: Record<string, string> = {};
  const varHeader = req.headers[HEADERS.callbackVar];
  if (varHeader !== undefined) {
    for (const [k, v] of Object.entries(decodeJson(varHeader, HEADERS.callbackVar))) {
      if (!k.startsWith('x:')) throw badCallback(`callback variable ${k} must start with x:`);
      vars[k] = String(v);
    }
  }
  const spec: CallbackSpec = {
    urls: cfg.callbackUrl
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean),
    body: cfg.callbackBody,
    bodyType,
    vars,
  };
  if (typeof cfg.callbackHost === 'string' && cfg.callbackHost) spec.host = cfg.callbackHost;
  return spec;
}

/** Substitutes ${name} variables, escaped for the body type (URL-encoded for forms, JSON-escaped for JSON). */
export function renderCallbackBody(spec: CallbackSpec, values: Record<string, string>): string {
  const json = spec.bodyType.toLowerCase().includes('json');
  return spec.body.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
    const v = name.startsWith('x:') ? spec.vars[name] : values[name];
    if (v === undefined) return ''; // unknown variables render empty, as OSS does
    return json ? JSON.stringify(v).slice(1, -1) : encodeURIComponent(v);
  });
}

export async function runCallback(
  ctx: Ctx,
  spec: CallbackSpec,
  rec: ObjectRecord,
  headers: Record<string, string>,
): Promise<void> {
  const body = renderCallbackBody(spec, {
    bucket: ctx.bucket.name,
    object: rec.key,
    etag: rec.etag,
    size: String(rec.size),
    mimeType: rec.headers.contentType,
    crc64: rec.crc64,
    contentMd5: rec.contentMd5 ?? '',
    clientIp: ctx.req.clientIp,
  });
  const outcome = await ctx.callbacks.post(spec.urls, spec.host, body, spec.bodyType);
  if (outcome.ok) {
    ctx.res.writeHead(200, {
      ...headers,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(outcome.body),
    });
    ctx.res.end(outcome.body);
    return;
  }
  // The object is stored all the same: OSS reports the failure with 203 and does not retry.
  const err = new ErrorReply('CallbackFailed', {}, { message: outcome.body });
  const text = errorXml(err, ctx.req);
  ctx.res.writeHead(203, {
    ...headers,
    [HEADERS.ec]: err.ec,
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(text),
  });
  ctx.res.end(text);
}
