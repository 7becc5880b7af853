// Bucket configurations that are one small XML document each (tags, encryption, request payment, resource
// group, transfer acceleration, Block Public Access): parsed and checked as OSS checks them, stored in the
// bucket's config store (store/bucket-config.ts) as the document Get answers, rebuilt in OSS's element order.
import {
  buildXml,
  parseXml,
  rootOf,
  textOf,
  objectOf,
  listOf,
  type XmlObject,
  type XmlValue,
} from '../../core/xml-core.js';
import type { ServiceErrorCode } from '../../core/error-codes.js';
import { ErrorReply, invalidArgument } from '../errors.js';
import { q } from '../request.js';
import { sendEmpty, sendXmlText } from '../respond.js';
import { validateTags } from '../tags.js';
import type { ConfigName } from '../store/bucket-config.js';
import { readVerifiedBody, requireOwner, type Ctx } from './context.js';

/** What a stored document holds: the XML Get answers and the fields the server acts on. */
export interface StoredDoc<T> {
  xml: string;
  parsed: T;
}

interface DocSpec<T> {
  name: ConfigName;
  root: string;
  /** The checked fields of a Put body's root element. */
  parse(root: XmlObject): T;
  /** The document's children, in OSS's order. */
  build(parsed: T): { [name: string]: XmlValue };
  /** Get of a bucket without one: this configuration, or this error. */
  absent: T | ServiceErrorCode;
}

export function rootElement(text: string, name: string): XmlObject {
  try {
    return rootOf(parseXml(text), name);
  } catch {
    throw new ErrorReply('MalformedXML');
  }
}

export function text(obj: XmlObject, name: string): string | undefined {
  try {
    return textOf(obj, name);
  } catch {
    throw new ErrorReply('MalformedXML');
  }
}

export async function loadDoc<T>(ctx: Ctx, name: ConfigName): Promise<T | undefined> {
  return (await ctx.store.configs.get<StoredDoc<T>>(ctx.bucket.name, name))?.parsed;
}

/** Put, Get and Delete handlers of one document configuration. */
function docHandlers<T>(spec: DocSpec<T>) {
  return {
    async put(ctx: Ctx): Promise<void> {
      requireOwner(ctx);
      const parsed = spec.parse(rootElement(await readVerifiedBody(ctx), spec.root));
      const stored: StoredDoc<T> = { xml: buildXml(spec.root, spec.build(parsed)), parsed };
      await ctx.store.configs.put(ctx.bucket.name, spec.name, stored);
      sendEmpty(ctx.res, 200);
    },
    async get(ctx: Ctx): Promise<void> {
      requireOwner(ctx);
      const c = await ctx.store.configs.get<StoredDoc<T>>(ctx.bucket.name, spec.name);
      if (c) return sendXmlText(ctx.res, 200, c.xml);
      if (typeof spec.absent === 'string')
        throw new ErrorReply(spec.absent as ServiceErrorCode, { BucketName: ctx.bucket.name });
      sendXmlText(ctx.res, 200, buildXml(spec.root, spec.build(spec.absent as T)));
    },
    async delete(ctx: Ctx): Promise<void> {
      requireOwner(ctx);
      await ctx.store.configs.delete(ctx.bucket.name, spec.name);
      sendEmpty(ctx.res, 204);
    },
  };
}

function oneOf(obj: XmlObject, name: string, allowed: string[], required = true): string | undefined {
  const v = text(obj, name);
  if (v === undefined && !required) return undefined;
  if (v === undefined || !allowed.includes(v))
    throw invalidArgument(name, v ?? '', `${name} must be one of ${allowed.join(', ')}.`);
  return v;
}

// ---- bucket tags: up to 20, key 1..64 bytes, value up to 128 bytes ----

type Tags = Array<[string, string]>;

function parseBucketTags(root: XmlObject): Tags {
  const set = objectOf(root, 'TagSet');
  const tags: Tags = (set ? listOf(set, 'Tag') : []).map((t) => [text(t, 'Key') ?? '', text(t, 'Value') ?? '']);
  validateTags(tags, { what: 'bucket', count: 20, keyBytes: 64, valueBytes: 128, narrow: false });
  for (const [k] of tags) {
    if (/^(aliyun|acs:)/i.test(k) || /^https?:\/\//i.test(k))
      throw new ErrorReply(
        'InvalidTag',
        {},
        { message: `Tag key "${k}" cannot start with aliyun, acs:, http:// or https://.` },
      );
  }
  return tags;
}

const tagsDoc = (tags: Tags) => ({ TagSet: { Tag: tags.map(([Key, Value]) => ({ Key, Value })) } });

export const bucketTags = docHandlers<Tags>({
  name: 'tagging',
  root: 'Tagging',
  parse: parseBucketTags,
  build: tagsDoc,
  absent: [],
});

/** DeleteBucketTags: `?tagging` removes every tag, `?tagging=k1,k2` only those keys. */
export async function deleteBucketTags(ctx: Ctx): Promise<void> {
  const keys = (q(ctx.req, 'tagging') ?? '').split(',').filter(Boolean);
  if (keys.length === 0) return bucketTags.delete(ctx);
  requireOwner(ctx);
  const tags = (await loadDoc<Tags>(ctx, 'tagging')) ?? [];
  const kept = tags.filter(([k]) => !keys.includes(k));
  await ctx.store.configs.put(ctx.bucket.name, 'tagging', { xml: buildXml('Tagging', tagsDoc(kept)), parsed: kept });
  sendEmpty(ctx.res, 204);
}

// ---- default server-side encryption ----

interface Encryption {
  algorithm: string;
  kmsKeyId?: string;
  kmsDataEncryption?: string;
}

export const encryption = docHandlers<Encryption>({
  name: 'encryption',
  root: 'ServerSideEncryptionRule',
  parse(root) {
    const d = objectOf(root, 'ApplyServerSideEncryptionByDefault');
    if (!d) throw new ErrorReply('MalformedXML', {}, { message: 'ApplyServerSideEncryptionByDefault is missing.' });
    const algorithm = text(d, 'SSEAlgorithm') ?? '';
    if (!['AES256', 'KMS', 'SM4'].includes(algorithm)) throw new ErrorReply('InvalidEncryptionAlgorithmError');
    const out: Encryption = { algorithm };
    const key = text(d, 'KMSMasterKeyID');
    if (key) {
      if (algorithm !== 'KMS')
        throw invalidArgument('KMSMasterKeyID', key, 'KMSMasterKeyID is only allowed with SSEAlgorithm KMS.');
      out.kmsKeyId = key;
    }
    const data = text(d, 'KMSDataEncryption');
    if (data) {
      if (algorithm !== 'KMS' || data !== 'SM4') throw new ErrorReply('InvalidDataEncryptionAlgorithmError');
      out.kmsDataEncryption = data;
    }
    return out;
  },
  build: (e) => ({
    ApplyServerSideEncryptionByDefault: {
      SSEAlgorithm: e.algorithm,
      KMSMasterKeyID: e.kmsKeyId ?? (e.algorithm === 'KMS' ? '' : undefined),
      KMSDataEncryption: e.kmsDataEncryption,
    },
  }),
  absent: 'NoSuchServerSideEncryptionRule',
});

// ---- request payment, resource group, transfer acceleration, Block Public Access ----

export const requestPayment = docHandlers<{ payer: string }>({
  name: 'requestPayment',
  root: 'RequestPaymentConfiguration',
  parse: (root) => ({ payer: oneOf(root, 'Payer', ['BucketOwner', 'Requester'])! }),
  build: (p) => ({ Payer: p.payer }),
  absent: { payer: 'BucketOwner' },
});

export const resourceGroup = docHandlers<{ id: string }>({
  name: 'resourceGroup',
  root: 'BucketResourceGroupConfiguration',
  parse(root) {
    const id = text(root, 'ResourceGroupId') ?? '';
    if (!/^rg-[a-z0-9]+$/i.test(id))
      throw invalidArgument(
        'ResourceGroupId',
        id,
        'ResourceGroupId must be a resource group ID such as rg-aek27tc********.',
      );
    return { id };
  },
  build: (g) => ({ ResourceGroupId: g.id }),
  // OSS answers the account's default resource group for a bucket never moved to another.
  absent: { id: 'rg-default' },
});

export const transferAcceleration = docHandlers<{ enabled: boolean }>({
  name: 'transferAcceleration',
  root: 'TransferAccelerationConfiguration',
  parse: (root) => ({ enabled: oneOf(root, 'Enabled', ['true', 'false']) === 'true' }),
  build: (t) => ({ Enabled: t.enabled }),
  absent: 'NoSuchTransferAccelerationConfiguration',
});

export const publicAccessBlock = docHandlers<{ block: boolean }>({
  name: 'publicAccessBlock',
  root: 'PublicAccessBlockConfiguration',
  parse: (root) => ({ block: oneOf(root, 'BlockPublicAccess', ['true', 'false'], false) === 'true' }),
  build: (p) => ({ BlockPublicAccess: p.block }),
  absent: { block: false },
});

/** True when the bucket has Block Public Access on: public ACLs and public policy grants are ignored. */
export async function blocksPublicAccess(ctx: Ctx): Promise<boolean> {
  return (await loadDoc<{ block: boolean }>(ctx, 'publicAccessBlock'))?.block === true;
}
