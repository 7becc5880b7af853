// Logging, website and referer configurations: validated as OSS validates them, stored as written (the body is
// kept verbatim and returned by Get), and — for website and referer — applied to anonymous access.
// Logging is recorded only: ossup serve writes no access logs.
import { HEADERS } from '../../core/dialect.js';
import { pipeline } from 'node:stream/promises';
import { parseXml, rootOf, objectOf, type XmlObject } from '../../core/xml-core.js';
import { ErrorReply } from '../errors.js';
import type { ConfigName } from '../store/bucket-config.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { readVerifiedBody, requireOwner, type Ctx } from './context.js';
import { texts } from './cors.js';
import { canRead } from './access.js';
import { throughSymlink } from './symlink.js';
import type { ObjectReader } from '../store/segments.js';
import type { ObjectRecord } from '../store/types.js';

interface Stored<T> {
  xml: string;
  parsed: T;
}

/** Saves a configuration with the document it was parsed from, which Get answers as sent. */
async function save<T>(ctx: Ctx, name: ConfigName, stored: Stored<T>): Promise<void> {
  await ctx.store.configs.put(ctx.bucket.name, name, stored);
  sendEmpty(ctx.res, 200);
}

/** Get of a configuration: the stored document, or `fallback` (what OSS answers for a bucket without one). */
async function answerStored(ctx: Ctx, name: ConfigName, fallback: string): Promise<void> {
  requireOwner(ctx);
  const c = await ctx.store.configs.get<Stored<unknown>>(ctx.bucket.name, name);
  sendXmlText(ctx.res, 200, c?.xml ?? fallback);
}

interface Logging {
  targetBucket?: string;
  targetPrefix?: string;
}
interface Website {
  indexSuffix?: string;
  supportSubDir: boolean;
  errorKey?: string;
  errorStatus: number;
}
interface Referer {
  allowEmpty: boolean;
  truncateQuery: boolean;
  allow: string[];
  block: string[];
}

function root(text: string, name: string): XmlObject {
  try {
    return rootOf(parseXml(text), name);
  } catch {
    throw new ErrorReply('MalformedXML');
  }
}

const invalid = (name: string, value: string, message: string) =>
  new ErrorReply('InvalidArgument', { ArgumentName: name, ArgumentValue: value }, { message });

// ---- logging ----

export async function putBucketLogging(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const xml = await readVerifiedBody(ctx);
  const enabled = objectOf(root(xml, 'BucketLoggingStatus'), 'LoggingEnabled');
  if (!enabled) {
    await ctx.store.configs.delete(ctx.bucket.name, 'logging'); // an empty status turns logging off
    sendEmpty(ctx.res, 200);
    return;
  }
  const target = texts(enabled, 'TargetBucket')[0] ?? '';
  if (!target || !(await ctx.store.getBucket(target)))
    throw new ErrorReply('InvalidTargetBucketForLogging', { TargetBucket: target });
  const prefix = texts(enabled, 'TargetPrefix')[0];
  if (prefix !== undefined && (prefix.length > 32 || prefix.startsWith('/')))
    throw invalid('TargetPrefix', prefix, 'TargetPrefix is at most 32 characters and cannot start with "/".');
  const parsed: Logging = { targetBucket: target, ...(prefix !== undefined ? { targetPrefix: prefix } : {}) };
  await save<Logging>(ctx, 'logging', { xml, parsed });
}

export async function getBucketLogging(ctx: Ctx): Promise<void> {
  await answerStored(
    ctx,
    'logging',
    '<?xml version="1.0" encoding="UTF-8"?>\n<BucketLoggingStatus></BucketLoggingStatus>',
  );
}

export async function deleteBucketLogging(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  await ctx.store.configs.delete(ctx.bucket.name, 'logging');
  sendEmpty(ctx.res, 204);
}

// ---- website ----

export async function putBucketWebsite(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const xml = await readVerifiedBody(ctx);
  const r = root(xml, 'WebsiteConfiguration');
  const index = objectOf(r, 'IndexDocument');
  const error = objectOf(r, 'ErrorDocument');
  if (!index && !error && r.RoutingRules === undefined)
    throw new ErrorReply(
      'MalformedXML',
      {},
      { message: 'WebsiteConfiguration needs IndexDocument, ErrorDocument or RoutingRules.' },
    );
  const parsed: Website = { supportSubDir: false, errorStatus: 404 };
  if (index) {
    const suffix = texts(index, 'Suffix')[0] ?? '';
    if (!suffix || suffix.includes('/'))
      throw invalid('Suffix', suffix, 'IndexDocument Suffix must be a non-empty name without "/".');
    parsed.indexSuffix = suffix;
    parsed.supportSubDir = texts(index, 'SupportSubDir')[0] === 'true';
  }
  if (error) {
    const key = texts(error, 'Key')[0] ?? '';
    if (!key) throw invalid('Key', key, 'ErrorDocument needs a Key.');
    const status = texts(error, 'HttpStatus')[0] ?? '404';
    if (status !== '200' && status !== '404')
      throw invalid('HttpStatus', status, 'ErrorDocument HttpStatus must be 200 or 404.');
    parsed.errorKey = key;
    parsed.errorStatus = Number(status);
  }
  await save<Website>(ctx, 'website', { xml, parsed });
}

export async function getBucketWebsite(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const c = await ctx.store.configs.get<Stored<Website>>(ctx.bucket.name, 'website');
  if (!c) throw new ErrorReply('NoSuchWebsiteConfiguration', { BucketName: ctx.bucket.name });
  sendXmlText(ctx.res, 200, c.xml);
}

export async function deleteBucketWebsite(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  await ctx.store.configs.delete(ctx.bucket.name, 'website');
  sendEmpty(ctx.res, 204);
}

/**
 * Serves a whole object with `status` (index and error documents); a symlink serves its target, both checked as a
 * direct GET checks them. False when it does not exist or is not readable.
 */
async function serveDocument(ctx: Ctx, key: string, status: number): Promise<boolean> {
  const opened = await ctx.store.openObject(ctx.bucket.name, key);
  if (!opened) return false;
  let target: { rec: ObjectRecord; opened?: ObjectReader } | undefined;
  try {
    if (!canRead(ctx, opened.rec)) return false;
    if (opened.rec.type === 'Symlink') {
      target = await throughSymlink(ctx, opened.rec, false).catch(() => undefined);
      if (!target?.opened) return false;
    }
    const rec = target?.rec ?? opened.rec;
    const source = target?.opened ?? opened;
    ctx.res.writeHead(status, {
      'Content-Type': rec.headers.contentType,
      'Content-Length': rec.size,
      ETag: `"${rec.etag}"`,
      'Last-Modified': new Date(rec.lastModified).toUTCString(),
    });
    if (ctx.req.method === 'HEAD' || rec.size === 0) ctx.res.end();
    else await pipeline(source.stream(0, rec.size - 1), ctx.res).catch(() => undefined);
    return true;
  } finally {
    await opened.close();
    await target?.opened?.close();
  }
}

/**
 * Static website behaviour for anonymous GET/HEAD: the bucket root and (with SupportSubDir) `dir/` serve the
 * index document; a missing key serves the error document with its HttpStatus. Undefined: serve as usual.
 */
export async function websiteHandler(ctx: Ctx, op: string): Promise<((ctx: Ctx) => Promise<void>) | undefined> {
  // A private bucket keeps hiding which keys exist from anonymous callers (403 before lookup): no website there.
  if (ctx.principal || ctx.bucket.acl === 'private' || !['GET', 'HEAD'].includes(ctx.req.method)) return undefined;
  if (op !== 'GetObject' && op !== 'HeadObject' && !(op === 'ListObjects' && ctx.req.query.length === 0))
    return undefined;
  const c = await ctx.store.configs.get<Stored<Website>>(ctx.bucket.name, 'website');
  if (!c) return undefined;
  const w = c.parsed;
  let key = ctx.req.key ?? '';
  const index = w.indexSuffix !== undefined && (key === '' || (w.supportSubDir && key.endsWith('/')));
  if (index) key += w.indexSuffix;
  // An existing object is served by GetObject itself (ranges, conditions, every header).
  else if (await ctx.store.getObject(ctx.bucket.name, key)) return undefined;
  return async (ctx) => {
    if (index && (await serveDocument(ctx, key, 200))) return;
    if (w.errorKey && (await serveDocument(ctx, w.errorKey, w.errorStatus))) return;
    throw new ErrorReply('NoSuchKey', { Key: key });
  };
}

// ---- referer ----

export async function putBucketReferer(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const xml = await readVerifiedBody(ctx);
  const r = root(xml, 'RefererConfiguration');
  const allowEmpty = texts(r, 'AllowEmptyReferer')[0];
  if (allowEmpty !== 'true' && allowEmpty !== 'false')
    throw invalid('AllowEmptyReferer', allowEmpty ?? '', 'AllowEmptyReferer must be true or false.');
  const truncate = texts(r, 'AllowTruncateQueryString')[0];
  if (truncate !== undefined && truncate !== 'true' && truncate !== 'false')
    throw invalid('AllowTruncateQueryString', truncate, 'AllowTruncateQueryString must be true or false.');
  const list = (name: string, item: string) => {
    const l = objectOf(r, name);
    return l ? texts(l, item).filter(Boolean) : [];
  };
  const parsed: Referer = {
    allowEmpty: allowEmpty === 'true',
    truncateQuery: truncate !== 'false',
    allow: list('RefererList', 'Referer'),
    block: list('RefererBlacklist', 'Referer'),
  };
  await save<Referer>(ctx, 'referer', { xml, parsed });
}

export async function getBucketReferer(ctx: Ctx): Promise<void> {
  await answerStored(
    ctx,
    'referer',
    '<?xml version="1.0" encoding="UTF-8"?>\n<RefererConfiguration><AllowEmptyReferer>true</AllowEmptyReferer><RefererList/></RefererConfiguration>',
  );
}

function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(value);
}

/** Hotlink protection: anonymous and presigned-URL requests must come from an allowed Referer. */
export async function checkReferer(ctx: Ctx): Promise<void> {
  const presigned =
    ctx.req.headers.authorization === undefined &&
    ctx.req.query.some(([k]) => k === 'Signature' || k === HEADERS.signature);
  if (ctx.principal && !presigned) return;
  const c = await ctx.store.configs.get<Stored<Referer>>(ctx.bucket.name, 'referer');
  if (!c) return;
  const r = c.parsed;
  const raw = ctx.req.headers.referer ?? '';
  const referer = r.truncateQuery ? raw.split('?')[0]! : raw;
  const refuse = () => new ErrorReply('AccessDenied', {}, { message: 'You are denied by bucket referer policy.' });
  if (referer === '') {
    if (!r.allowEmpty) throw refuse();
    return;
  }
  if (r.block.some((p) => wildcardMatch(p, referer))) throw refuse();
  if (r.allow.length && !r.allow.some((p) => wildcardMatch(p, referer))) throw refuse();
}
