// Bucket policy (PutBucketPolicy, a JSON document) stored as sent and enforced in its plain form: statements of
// Effect Allow/Deny on Principal, Action and Resource, with `*` and `?` wildcards. A matching Deny refuses the
// request, signed or not; a matching Allow whose Principal is `*` grants an anonymous caller what the ACL would
// refuse. Statements with a Condition are stored but not applied. Block Public Access (config-docs.ts) turns
// public grants off: anonymous callers are refused, and public ACLs or public Allow statements cannot be set.
// Scope and the principal names ossup serve understands: docs/OSS-PROTOCOL.md, "Bucket policy".
import { HEADERS } from '../../core/dialect.js';
import { ErrorReply } from '../errors.js';
import { sendEmpty, sendXml } from '../respond.js';
import type { Principal } from '../auth.js';
import { OWNER, readVerifiedBody, requireOwner, type Ctx } from './context.js';
import { blocksPublicAccess, loadDoc, type StoredDoc } from './config-docs.js';

interface Statement {
  effect: 'Allow' | 'Deny';
  principals: string[];
  actions: string[];
  resources: string[];
  conditional: boolean;
}

const invalidPolicy = (why: string) =>
  new ErrorReply('InvalidPolicyDocument', {}, { message: `Invalid bucket policy: ${why}` });

function list(v: unknown, field: string): string[] {
  const arr = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(arr) || arr.length === 0 || !arr.every((x) => typeof x === 'string'))
    throw invalidPolicy(`${field} must be a string or a non-empty list of strings.`);
  return arr;
}

/** Parses and checks a policy document; throws InvalidPolicyDocument naming what is wrong. */
export function parsePolicy(text: string): Statement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidPolicy('the document is not JSON.');
  }
  const d = doc as { Version?: unknown; Statement?: unknown };
  if (typeof doc !== 'object' || doc === null) throw invalidPolicy('the document must be a JSON object.');
  if (d.Version !== '1') throw invalidPolicy('Version must be "1".');
  if (!Array.isArray(d.Statement) || d.Statement.length === 0)
    throw invalidPolicy('Statement must be a non-empty list.');
  return d.Statement.map((s: Record<string, unknown>) => {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalidPolicy('Effect must be Allow or Deny.');
    return {
      effect: s.Effect,
      principals: list(s.Principal, 'Principal'),
      actions: list(s.Action, 'Action'),
      resources: list(s.Resource, 'Resource'),
      conditional: s.Condition !== undefined,
    };
  });
}

const isPublic = (s: Statement) => s.effect === 'Allow' && !s.conditional && s.principals.includes('*');

export async function putBucketPolicy(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const xml = await readVerifiedBody(ctx);
  const parsed = parsePolicy(xml);
  if (parsed.some(isPublic) && (await blocksPublicAccess(ctx)))
    throw new ErrorReply(
      'AccessDenied',
      {},
      { message: 'Block Public Access is on for this bucket: a policy that allows Principal "*" cannot be set.' },
    );
  const stored: StoredDoc<Statement[]> = { xml, parsed };
  await ctx.store.configs.put(ctx.bucket.name, 'policy', stored);
  sendEmpty(ctx.res, 200);
}

export async function getBucketPolicy(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const c = await ctx.store.configs.get<StoredDoc<Statement[]>>(ctx.bucket.name, 'policy');
  if (!c) throw new ErrorReply('NoSuchBucketPolicy', { BucketName: ctx.bucket.name });
  ctx.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(c.xml) });
  ctx.res.end(c.xml);
}

export async function deleteBucketPolicy(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  await ctx.store.configs.delete(ctx.bucket.name, 'policy');
  sendEmpty(ctx.res, 204);
}

export async function getBucketPolicyStatus(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const statements = (await loadDoc<Statement[]>(ctx, 'policy')) ?? [];
  sendXml(ctx.res, 200, 'PolicyStatus', { IsPublic: statements.some(isPublic) });
}

// ---- enforcement ----

/** The RAM action an operation is authorised as, where it is not `oss:<operation>`. */
const ACTION_OF: Record<string, string> = {
  HeadObject: 'GetObject',
  GetObjectMeta: 'GetObject',
  ListObjectsV2: 'ListObjects',
  CopyObject: 'PutObject',
  AppendObject: 'PutObject',
  InitiateMultipartUpload: 'PutObject',
  UploadPart: 'PutObject',
  UploadPartCopy: 'PutObject',
  CompleteMultipartUpload: 'PutObject',
  DeleteMultipleObjects: 'DeleteObject',
  HeadBucket: 'GetBucketInfo',
};

/** Operations a policy never gates: managing the policy itself, CORS preflight, form uploads (signed in the form). */
const UNGATED = new Set([
  'PutBucketPolicy',
  'GetBucketPolicy',
  'DeleteBucketPolicy',
  'GetBucketPolicyStatus',
  'OptionObject',
  'PostObject',
]);

function wildcard(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

/** `acs:oss:<region>:<account>:<bucket>[/<key>]`: region and account may be anything; `*` alone is everything. */
function resourceMatches(pattern: string, bucket: string, key: string | undefined): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split(':');
  if (parts.length < 5 || parts[0] !== 'acs' || parts[1] !== 'oss') return false;
  const path = parts.slice(4).join(':');
  return wildcard(path, key === undefined ? bucket : `${bucket}/${key}`);
}

/** `*` is everyone; a signed caller is also its AccessKeyId and the owner's ID. */
function principalMatches(names: string[], who: Principal): boolean {
  return names.some((n) => n === '*' || (who !== null && (n === who.accessKeyId || n === OWNER.ID)));
}

function matching(statements: Statement[], ctx: Ctx, action: string): Statement[] {
  const key = ctx.req.key;
  return statements.filter(
    (s) =>
      !s.conditional &&
      principalMatches(s.principals, ctx.principal) &&
      s.actions.some((a) => wildcard(a, action)) &&
      s.resources.some((r) => resourceMatches(r, ctx.bucket.name, key)),
  );
}

/** Signed as the bucket policy: what an anonymous caller is granted by a matching Allow, for this request only. */
const POLICY_GRANT: Principal = Object.freeze({ accessKeyId: '(bucket policy)', accessKeySecret: '' });

/**
 * Runs before a bucket- or object-level handler: Block Public Access refuses anonymous callers and public ACLs;
 * a matching Deny refuses; a matching public Allow lets an anonymous caller through as if signed.
 */
export async function enforceBucketPolicy(ctx: Ctx, op: string): Promise<void> {
  if (UNGATED.has(op)) return;
  const blocked = await blocksPublicAccess(ctx);
  if (blocked) {
    if (!ctx.principal)
      throw new ErrorReply(
        'AccessDenied',
        {},
        { message: 'Public access is blocked for this bucket (Block Public Access).' },
      );
    const acl = ctx.req.headers[HEADERS.acl] ?? ctx.req.headers[HEADERS.objectAcl] ?? '';
    if (acl.startsWith('public-'))
      throw new ErrorReply(
        'AccessDenied',
        {},
        { message: `Block Public Access is on for this bucket: the ACL ${acl} cannot be set.` },
      );
  }
  const statements = await loadDoc<Statement[]>(ctx, 'policy');
  if (!statements) return;
  const hits = matching(statements, ctx, `oss:${ACTION_OF[op] ?? op}`);
  if (hits.some((s) => s.effect === 'Deny'))
    throw new ErrorReply(
      'AccessDenied',
      {},
      { message: 'You have no right to access this object because of bucket policy.' },
    );
  if (!ctx.principal && !blocked && hits.some((s) => s.effect === 'Allow')) ctx.principal = POLICY_GRANT;
}
