// PostObject: a browser form upload, `POST /` on the bucket with multipart/form-data (OSS-PROTOCOL-2.md §2).
// The form authenticates itself (policy + signature fields), so the request's own signature is not looked at.
// Fields before the file are collected; at the file, the signature and policy are checked before a byte of it is
// stored; the file streams into a blob like a PutObject body. Fields after the file are ignored.
import { PassThrough } from 'node:stream';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { encodeKeyPath } from '../../core/encode.js';
import { MAX_OBJECT_SIZE } from '../../core/limits.js';
import { ErrorReply } from '../errors.js';
import { requireValidKey } from '../names-check.js';
import { checkPolicy, parsePolicy, verifyForm, type FormFields, type LengthRange } from '../post-policy.js';
import { sendEmpty, sendXml } from '../respond.js';
import { BodyTooLargeError, type WrittenBlob } from '../store/blob.js';
import { unlinkQuiet } from '../../io/fs.js';
import { attributesFrom, quoted, type Ctx } from './context.js';
import { commit, normalRecord } from './object.js';
import { sseHeaders } from './sse.js';

/** Form fields that become object attributes, as the headers of a PutObject would (no x-oss-tagging here). */
const HEADER_FIELDS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'expires',
  'x-oss-object-acl',
  'x-oss-storage-class',
  'x-oss-server-side-encryption',
  'x-oss-server-side-data-encryption',
  'x-oss-server-side-encryption-key-id',
  'x-oss-forbid-overwrite',
];

interface Received {
  written: WrittenBlob;
  filename: string;
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
  const key = (fields.get('key') ?? '').replace(/\$\{filename\}/g, received.filename);
  try {
    requireValidKey(key);
  } catch (err) {
    await unlinkQuiet(received.written.tmpPath);
    throw err;
  }
  await store(ctx, key, fields, received);
}

/** Parses the form; auth and policy are checked when the file part starts (the fields before it are known). */
async function readForm(
  ctx: Ctx,
  contentType: string,
  fields: FormFields,
): Promise<{ received?: Received; files: number }> {
  let files = 0;
  let received: Received | undefined;
  let failure: unknown;
  let pending: Promise<void> = Promise.resolve();
  const bb = Busboy({
    headers: { ...ctx.req.raw.headers, 'content-type': contentType },
    isPartAFile: (name) => name?.toLowerCase() === 'file',
    limits: { fieldSize: 2 << 20, fields: 1000, fieldNameSize: 8192 },
  });
  const finished = new Promise<void>((resolve, reject) => {
    bb.on('field', (name: string, value: string) => {
      if (files === 0) fields.set(name.toLowerCase(), value);
    });
    bb.on('file', (_name: string, stream: BusboyFileStream, filename: string, _enc: string, mime: string) => {
      files++;
      if (files > 1 || failure !== undefined) {
        stream.resume();
        return;
      }
      pending = receiveFile(ctx, fields, stream)
        .then((written) => {
          received = { written, filename: filename ?? '', mime };
        })
        .catch((err: unknown) => {
          failure = err;
          stream.resume();
        });
    });
    bb.on('finish', resolve);
    bb.on('error', reject);
  });
  ctx.req.raw.pipe(bb);
  try {
    await finished;
  } catch (err) {
    await pending;
    if (received) await unlinkQuiet(received.written.tmpPath);
    throw new ErrorReply(
      'MalformedPOSTRequest',
      {},
      { message: `The body of your POST request is not well-formed multipart/form-data: ${(err as Error).message}` },
    );
  }
  await pending;
  if (failure !== undefined) throw failure;
  return { ...(received ? { received } : {}), files };
}

async function receiveFile(ctx: Ctx, fields: FormFields, stream: BusboyFileStream): Promise<WrittenBlob> {
  const range = authorize(ctx, fields);
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
  return written;
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
  for (const [name, value] of fields) if (name.startsWith('x-oss-meta-')) headers[name] = value;
  headers['content-type'] =
    fields.get('x-oss-content-type') || fields.get('content-type') || received.mime || 'application/octet-stream';
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
  await commit(ctx, rec, (headers['x-oss-forbid-overwrite'] ?? '').toLowerCase() === 'true');
  const out = { ETag: quoted(rec.etag), 'x-oss-hash-crc64ecma': rec.crc64, ...sseHeaders(rec.sse) };
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
