// Bucket configurations that are collections of named entries: image styles (by styleName), inventories (by
// inventoryId), CNAMEs (by domain) and replication rules (by rule ID). Each collection is one map in the
// bucket's config store; entries keep the document they were put with, which Get and List answer.
// Recorded only: ossup serve processes no images, writes no inventory reports and replicates nothing.
import { HEADERS } from '../../core/dialect.js';
import { randomUUID } from 'node:crypto';
import { buildXml, listOf, objectOf, textOf, type XmlObject, type XmlValue } from '../../core/xml-core.js';
import { ErrorReply, invalidArgument } from '../errors.js';
import { q } from '../request.js';
import { sendEmpty, sendXml, sendXmlText } from '../respond.js';
import type { ConfigName } from '../store/bucket-config.js';
import { readVerifiedBody, requireOwner, type Ctx, isoDate, OWNER } from './context.js';
import { rootElement } from './config-docs.js';

type Entries<T> = Record<string, T>;

async function entries<T>(ctx: Ctx, name: ConfigName): Promise<Entries<T>> {
  return (await ctx.store.configs.get<Entries<T>>(ctx.bucket.name, name)) ?? {};
}

async function saveEntries<T>(ctx: Ctx, name: ConfigName, all: Entries<T>): Promise<void> {
  if (Object.keys(all).length === 0) await ctx.store.configs.delete(ctx.bucket.name, name);
  else await ctx.store.configs.put(ctx.bucket.name, name, all);
}

/** The inner XML of a document built from a parsed element, for embedding in a list (no prologue). */
function fragment(root: string, body: { [name: string]: XmlValue }): string {
  return buildXml(root, body).replace(/^<\?xml[^>]*\?>\n/, '');
}

function str(obj: XmlObject, name: string): string | undefined {
  try {
    return textOf(obj, name);
  } catch {
    throw new ErrorReply('MalformedXML');
  }
}

// ---- image styles ----

interface Style {
  content: string;
  category: string;
  created: number;
  modified: number;
}

const styleXml = (name: string, s: Style) => ({
  Name: name,
  Content: s.content,
  Category: s.category,
  CreateTime: new Date(s.created).toUTCString(),
  LastModifyTime: new Date(s.modified).toUTCString(),
});

function styleName(ctx: Ctx): string {
  const name = q(ctx.req, 'styleName') ?? '';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
    throw invalidArgument('styleName', name, 'styleName is 1 to 64 letters, digits, "_", "-" or ".".');
  return name;
}

export async function putStyle(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const name = styleName(ctx);
  const content = str(rootElement(await readVerifiedBody(ctx), 'Style'), 'Content') ?? '';
  if (!content) throw invalidArgument('Content', content, 'A style needs its Content (image/resize,p_50 ...).');
  const all = await entries<Style>(ctx, 'style');
  const now = ctx.config.now();
  all[name] = {
    content,
    category: ctx.req.headers[HEADERS.styleCategory] ?? all[name]?.category ?? 'image',
    created: all[name]?.created ?? now,
    modified: now,
  };
  await saveEntries(ctx, 'style', all);
  sendEmpty(ctx.res, 200);
}

export async function getStyle(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const name = styleName(ctx);
  const s = (await entries<Style>(ctx, 'style'))[name];
  if (!s) throw new ErrorReply('NoSuchStyle', { StyleName: name });
  sendXml(ctx.res, 200, 'Style', styleXml(name, s));
}

export async function listStyle(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const all = await entries<Style>(ctx, 'style');
  sendXml(ctx.res, 200, 'StyleList', { Style: Object.entries(all).map(([n, s]) => styleXml(n, s)) });
}

export async function deleteStyle(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const name = styleName(ctx);
  const all = await entries<Style>(ctx, 'style');
  delete all[name];
  await saveEntries(ctx, 'style', all);
  sendEmpty(ctx.res, 204);
}

// ---- inventories: the document as put, its Id equal to inventoryId; at most 1,000 per bucket ----

export async function putBucketInventory(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const id = q(ctx.req, 'inventoryId') ?? '';
  const root = rootElement(await readVerifiedBody(ctx), 'InventoryConfiguration');
  if (str(root, 'Id') !== id)
    throw invalidArgument('Id', str(root, 'Id') ?? '', 'The inventory Id must equal the inventoryId parameter.');
  if (!objectOf(root, 'Destination') || str(root, 'IsEnabled') === undefined || !objectOf(root, 'Schedule'))
    throw new ErrorReply('MalformedXML', {}, { message: 'An inventory needs Destination, Schedule and IsEnabled.' });
  const all = await entries<string>(ctx, 'inventory');
  if (all[id] === undefined && Object.keys(all).length >= 1000)
    throw invalidArgument('inventoryId', id, 'A bucket holds at most 1000 inventory configurations.');
  all[id] = fragment('InventoryConfiguration', root);
  await saveEntries(ctx, 'inventory', all);
  sendEmpty(ctx.res, 200);
}

export async function getBucketInventory(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const id = q(ctx.req, 'inventoryId') ?? '';
  const doc = (await entries<string>(ctx, 'inventory'))[id];
  if (doc === undefined) throw new ErrorReply('NoSuchInventory', { InventoryId: id });
  sendXmlText(ctx.res, 200, `<?xml version="1.0" encoding="UTF-8"?>\n${doc}`);
}

export async function listBucketInventory(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const docs = Object.values(await entries<string>(ctx, 'inventory'));
  sendXmlText(
    ctx.res,
    200,
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListInventoryConfigurationsResult>${docs.join('')}<IsTruncated>false</IsTruncated></ListInventoryConfigurationsResult>`,
  );
}

export async function deleteBucketInventory(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const all = await entries<string>(ctx, 'inventory');
  delete all[q(ctx.req, 'inventoryId') ?? ''];
  await saveEntries(ctx, 'inventory', all);
  sendEmpty(ctx.res, 204);
}

// ---- CNAMEs ----

function cnameDomain(root: XmlObject): string {
  const c = objectOf(root, 'Cname');
  const domain = (c && str(c, 'Domain')) ?? '';
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(domain))
    throw invalidArgument('Domain', domain, 'Cname Domain must be a domain name such as example.com.');
  return domain.toLowerCase();
}

export async function putCname(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const domain = cnameDomain(rootElement(await readVerifiedBody(ctx), 'BucketCnameConfiguration'));
  const all = await entries<number>(ctx, 'cname');
  all[domain] = ctx.config.now();
  await saveEntries(ctx, 'cname', all);
  sendEmpty(ctx.res, 200);
}

export async function deleteCname(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const domain = cnameDomain(rootElement(await readVerifiedBody(ctx), 'BucketCnameConfiguration'));
  const all = await entries<number>(ctx, 'cname');
  if (all[domain] === undefined) throw new ErrorReply('NoSuchCname', { Cname: domain });
  delete all[domain];
  await saveEntries(ctx, 'cname', all);
  sendEmpty(ctx.res, 200);
}

export async function listCname(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const all = await entries<number>(ctx, 'cname');
  sendXml(ctx.res, 200, 'ListCnameResult', {
    Bucket: ctx.bucket.name,
    Owner: OWNER.ID,
    Cname: Object.entries(all).map(([Domain, at]) => ({ Domain, LastModified: isoDate(at), Status: 'Enabled' })),
  });
}

// ---- replication rules ----

export async function putBucketReplication(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const rules = listOf(rootElement(await readVerifiedBody(ctx), 'ReplicationConfiguration'), 'Rule');
  if (rules.length !== 1)
    throw new ErrorReply('MalformedXML', {}, { message: 'PutBucketReplication takes exactly one Rule.' });
  const rule = rules[0]!;
  const dest = objectOf(rule, 'Destination');
  if (!dest || !str(dest, 'Bucket') || !str(dest, 'Location'))
    throw new ErrorReply('MalformedXML', {}, { message: 'A replication Rule needs Destination Bucket and Location.' });
  const all = await entries<string>(ctx, 'replication');
  if (Object.keys(all).length >= 100)
    throw invalidArgument('Rule', '', 'A bucket holds at most 100 replication rules.');
  const id = str(rule, 'ID') || randomUUID();
  const { ID: _id, Status: _status, ...rest } = rule;
  all[id] = fragment('Rule', { ID: id, ...rest, Status: 'starting' });
  await saveEntries(ctx, 'replication', all);
  sendEmpty(ctx.res, 200, { [HEADERS.replicationRuleId]: id });
}

export async function getBucketReplication(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const rules = Object.values(await entries<string>(ctx, 'replication'));
  if (rules.length === 0) throw new ErrorReply('NoSuchReplicationConfiguration', { BucketName: ctx.bucket.name });
  sendXmlText(
    ctx.res,
    200,
    `<?xml version="1.0" encoding="UTF-8"?>\n<ReplicationConfiguration>${rules.join('')}</ReplicationConfiguration>`,
  );
}

export async function deleteBucketReplication(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const id = str(rootElement(await readVerifiedBody(ctx), 'ReplicationRules'), 'ID') ?? '';
  const all = await entries<string>(ctx, 'replication');
  delete all[id];
  await saveEntries(ctx, 'replication', all);
  sendEmpty(ctx.res, 200);
}
