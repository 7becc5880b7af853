// PostObject: a browser form upload, `POST /` on the bucket with multipart/form-data (OSS-PROTOCOL-2.md §2).
// The form authenticates itself (policy + signature fields), so the request's own signature is not looked at.
// Fields before the file are collected within OSS's limits; at the file, the signature and policy are checked before
// a byte of it is stored; the file streams into a blob like a PutObject body. Fields after the file are ignored.
import { HEADERS, USER_META_PREFIX } from '../../core/dialect.js';
import { PassThrough } from 'node:stream';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { encodeKeyPath } from '../../core/encode.js';
import { MAX_OBJECT_SIZE } from '../../core/limits.js';
import { ErrorReply } from '../errors.js';
import { checkPolicy, parsePolicy, verifyForm, type FormFields, type LengthRange } from '../post-policy.js';
import { sendEmpty, sendXml } from '../respond.js';
import { BodyTooLargeError, type WrittenBlob } from '../store/blob.js';
import { unlinkQuiet } from '../../io/fs.js';
import { attributesFrom, quoted, requestBodyOrTimeout, requireMetaWithinLimit, type Ctx } from './context.js';
import { FORM_PARSER_LIMITS, FormBudget, formKey, formUserMeta, signatureFieldsIn } from './form-limits.js';
import { commit } from './access.js';
import { normalRecord } from './object.js';
import { sseHeaders } from './sse.js';

/** Form fields that become object attributes, as the headers of a PutObject would (no x-oss-tagging here). */
const HEADER_FIELDS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'expires',
  HEADERS.objectAcl,
  HEADERS.storageClass,
  HEADERS.serverSideEncryption,
  HEADERS.serverSideDataEncryption,
  HEADERS.serverSideEncryptionKeyId,
  HEADERS.forbidOverwrite,
];

interface Received {
  written: WrittenBlob;
  key: string;
  mime: string;
}

export async function postObject(ctx: Ctx): Promise<void> {
  const contentType = ctx.req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw new ErrorReply('MalformedPOSTRequest', {}, { message: 'PostObject needs a multipart/form-data body.' });
  }
  const fields: FormFields = new Map();
  const { received, files } = await readForm(ctx, contentType, fields);
  if (files !== 1 || !received) {
    if (received) await unlinkQuiet(received.written.tmpPath);
    throw new ErrorReply('IncorrectNumberOfFilesInPOSTRequest');
  }
  await store(ctx, received.key, fields, received);
}

/**
 * Parses the form, fed from the request body (so the body timeout and minimum rate apply) until it ends or a check
 * fails: then reading stops, and the answer closes the connection. Fields before the file are held within OSS's
 * limits (form-limits.ts); a complete signature is checked as soon as its fields are in, and auth, policy and
 * key when the file part starts, before a byte of it is stored.
 */
async function readForm(
  ctx: Ctx,
  contentType: string,
  fields: FormFields,
): Promise<{ received?: Received; files: number }> {
  let files = 0;
  let received: Received | undefined;
  let failure: unknown;
  let pending: Promise<void> = Promise.resolve();
  const budget = new FormBudget();
  let signed = false;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const fail = (err: unknown) => {
    failure ??= err;
    stop();
  };
  const bb = Busboy({
    headers: { ...ctx.req.raw.headers, 'content-type': contentType },
    isPartAFile: (name) => name?.toLowerCase() === 'file',
    preservePath: true,
    limits: FORM_PARSER_LIMITS,
  });
  const finished = new Promise<void>((resolve, reject) => {
    bb.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (files > 0 || failure !== undefined) return;
      try {
        budget.field(name, value, valueTruncated);
        fields.set(name.toLowerCase(), value);
        if (!signed && signatureFieldsIn(fields)) {
          verifyForm(fields, ctx.config.credentials ?? [], ctx.config.now());
          signed = true;
        }
      } catch (err) {
        fail(err);
      }
    });
    bb.on('fieldsLimit', () => fail(budget.tooManyFields()));
    bb.on('file', (_name: string, stream: BusboyFileStream, filename: string, _enc: string, mime: string) => {
      files++;
      if (files > 1 || failure !== undefined) {
        stream.resume();
        return;
      }
      pending = receiveFile(ctx, fields, stream, filename ?? '')
        .then(({ written, key }) => {
          received = { written, key, mime };
        })
        .catch((err: unknown) => {
          stream.resume();
          fail(err);
        });
    });
    bb.on('finish', resolve);
    bb.on('error', (err: Error) => {
      reject(err);
      fail(err);
    });
  });
  finished.catch(() => undefined);
  try {
    await feed(ctx, bb, budget, () => files > 0, stopped);
    if (failure === undefined) await finished;
  } catch (err) {
    failure ??= err;
  }
  await pending;
  if (failure !== undefined) {
    if (received) await unlinkQuiet(received.written.tmpPath);
    if (failure instanceof ErrorReply) throw failure;
    throw new ErrorReply(
      'MalformedPOSTRequest',
      {},
      {
        message: `The body of your POST request is not well-formed multipart/form-data: ${(failure as Error).message}`,
      },
    );
  }
  return { ...(received ? { received } : {}), files };
}

/** Writes the body into the parser with backpressure; stops early when `stopped` settles (a check failed). */
async function feed(
  ctx: Ctx,
  bb: ReturnType<typeof Busboy>,
  budget: FormBudget,
  fileStarted: () => boolean,
  stopped: Promise<void>,
): Promise<void> {
  let halted = false;
  void stopped.then(() => (halted = true));
  const body = requestBodyOrTimeout(ctx);
  for await (const chunk of body) {
    if (halted) return;
    if (!fileStarted()) budget.raw(chunk.length);
    if (!bb.write(chunk)) {
      await Promise.race([new Promise((resolve) => bb.once('drain', resolve)), stopped]);
    }
    if (halted) return;
  }
  bb.end();
}

async function receiveFile(
  ctx: Ctx,
  fields: FormFields,
  stream: BusboyFileStream,
  filename: string,
): Promise<{ written: WrittenBlob; key: string }> {
  const range = authorize(ctx, fields);
  const key = formKey(fields.get('key') ?? '', filename);
  requireMetaWithinLimit(formUserMeta(fields));
  let written: WrittenBlob;
  // Read through a PassThrough: a failed write ends the iteration, which destroys what it iterates, and a
  // destroyed part stream would stall the form parser; the part itself is then drained by the caller.
  const through = new PassThrough();
  stream.pipe(through);
  try {
    written = await ctx.blobs.writeTemp(through, { maxLength: Math.min(MAX_OBJECT_SIZE, range?.max ?? Infinity) });
  } catch (err) {
    stream.unpipe(through);
    if (err instanceof BodyTooLargeError) throw new ErrorReply('EntityTooLarge');
    throw err;
  }
  if (range && written.size < range.min) {
    await unlinkQuiet(written.tmpPath);
    throw new ErrorReply(
      'EntityTooSmall',
      {},
      { message: `Your proposed upload is smaller than the minimum allowed size (${range.min} bytes).` },
    );
  }
  return { written, key };
}

/** Signature, then policy. An unsigned form is accepted only by a public-read-write bucket. */
function authorize(ctx: Ctx, fields: FormFields): LengthRange | undefined {
  if (!fields.has('key'))
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: 'key', ArgumentValue: '' },
      { message: 'The form needs a "key" field before the file.' },
    );
  const creds = verifyForm(fields, ctx.config.credentials ?? [], ctx.config.now());
  if (!creds) {
    if (ctx.bucket.acl !== 'public-read-write')
      throw new ErrorReply(
        'AccessDenied',
        {},
        { message: 'Anonymous PostObject needs a public-read-write bucket; sign the policy instead.' },
      );
    return undefined;
  }
  const policy = parsePolicy(fields.get('policy')!);
  fields.set('bucket', ctx.bucket.name);
  return checkPolicy(policy, fields, ctx.config.now());
}

async function store(ctx: Ctx, key: string, fields: FormFields, received: Received): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of HEADER_FIELDS) if (fields.has(name)) headers[name] = fields.get(name)!;
  for (const [name, value] of Object.entries(formUserMeta(fields))) headers[`${USER_META_PREFIX}${name}`] = value;
  headers['content-type'] =
    fields.get(HEADERS.contentType) || fields.get('content-type') || received.mime || 'application/octet-stream';
  const { bucket } = ctx;
  let attributes;
  try {
    attributes = attributesFrom({ ...ctx.req, headers }, bucket.storageClass);
  } catch (err) {
    await unlinkQuiet(received.written.tmpPath);
    throw err;
  }
  const { written } = received;
  const blob = await ctx.blobs.adoptBlob(bucket.name, written);
  const rec = normalRecord(ctx, key, attributes, blob, written);
  await commit(ctx, rec, (headers[HEADERS.forbidOverwrite] ?? '').toLowerCase() === 'true');
  const out = { ETag: quoted(rec.etag), [HEADERS.hashCrc64ecma]: rec.crc64, ...sseHeaders(rec.sse) };
  const location = `${ctx.config.endpoint}/${bucket.name}/${encodeKeyPath(key)}`;
  const redirect = URL.canParse(fields.get('success_action_redirect') ?? '')
    ? fields.get('success_action_redirect')
    : undefined;
  if (redirect) {
    // S3's convention (OSS's status for this is not documented): 303 to the URL with bucket, key and etag.
    const url = new URL(redirect);
    url.searchParams.set('bucket', bucket.name);
    url.searchParams.set('key', key);
    url.searchParams.set('etag', quoted(rec.etag));
    sendEmpty(ctx.res, 303, { ...out, Location: url.toString() });
    return;
  }
  const status = Number(fields.get('success_action_status'));
  if (status === 201) {
    sendXml(
      ctx.res,
      201,
      'PostResponse',
      { Bucket: bucket.name, Location: location, Key: key, ETag: quoted(rec.etag) },
      out,
    );
    return;
  }
  sendEmpty(ctx.res, status === 200 ? 200 : 204, out);
}
