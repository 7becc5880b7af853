// The request pipeline: parse/address -> authenticate -> route -> bucket/key checks -> handler, with every
// failure turned into an OSS error document. Handlers never write error responses themselves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidBucketName, requireValidKey } from './names-check.js';
import type { Authenticator } from './auth.js';
import { PUBLIC_KEY_PATH, type CallbackSigner } from './callback.js';
import { ErrorReply } from './errors.js';
import { newRequestId, parseRequest, type OssRequest } from './request.js';
import { baseHeaders, sendError } from './respond.js';
import { lingerAfterRefusal } from './body.js';
import { apiName, route, type Operation } from './router.js';
import { beforeHandler, MORE_HANDLERS } from './handlers/more.js';
import { applyCors } from './handlers/cors.js';
import { CONFIG_HANDLERS } from './handlers/config-table.js';
import type { MultipartStore } from './store/multipart.js';
import type { BlobStore } from './store/blob-store.js';
import { BucketGoneError, type MetadataStore } from './store/metadata-store.js';
import type { BucketRecord } from './store/types.js';
import type { ServerConfig, Ctx, ServiceCtx } from './handlers/context.js';
import * as bucket from './handlers/bucket.js';
import * as object from './handlers/object.js';
import * as mpu from './handlers/multipart.js';

/** Every operation on an existing bucket or one of its objects (ListBuckets and PutBucket have no bucket record). */
const HANDLERS: Record<Exclude<Operation, 'ListBuckets' | 'PutBucket'>, (ctx: Ctx) => Promise<void>> = {
  DeleteBucket: bucket.deleteBucket,
  GetBucketAcl: bucket.getBucketAcl,
  PutBucketAcl: bucket.putBucketAcl,
  GetBucketLocation: bucket.getBucketLocation,
  ListObjects: (ctx) => bucket.listObjects(ctx, false),
  ListObjectsV2: (ctx) => bucket.listObjects(ctx, true),
  ListMultipartUploads: bucket.listUploads,
  DeleteMultipleObjects: bucket.deleteMultiple,
  PutObject: object.putObject,
  CopyObject: object.copyObject,
  GetObject: object.getObject,
  HeadObject: object.getObject,
  GetObjectMeta: object.getObjectMeta,
  DeleteObject: object.deleteObject,
  GetObjectAcl: object.getObjectAcl,
  PutObjectAcl: object.putObjectAcl,
  InitiateMultipartUpload: mpu.initiate,
  UploadPart: mpu.uploadPart,
  UploadPartCopy: mpu.uploadPartCopy,
  CompleteMultipartUpload: mpu.complete,
  AbortMultipartUpload: mpu.abort,
  ListParts: mpu.listParts,
  ...MORE_HANDLERS,
  ...CONFIG_HANDLERS,
};

export interface Deps {
  store: MetadataStore;
  blobs: BlobStore;
  multipart: MultipartStore;
  auth: Authenticator;
  callbacks: CallbackSigner;
  config: ServerConfig;
  /** Host names that mean path-style addressing (the configured host). */
  ownHosts: Set<string>;
  log?: (line: string) => void;
}

export function createDispatcher(deps: Deps): (raw: IncomingMessage, res: ServerResponse) => void {
  return (raw, res) => {
    const id = newRequestId();
    baseHeaders(res, id, deps.config.now());
    let req: OssRequest | undefined;
    handle(deps, raw, res, id, (r) => (req = r)).catch((err: unknown) => {
      const fallback = { id, host: raw.headers.host ?? '', method: raw.method ?? 'GET' };
      // A client that went away mid-body is not a server fault: nothing was committed, nobody to answer. (A body
      // read to its end also leaves `raw` destroyed; an error after that is the server's and is answered.)
      if (raw.destroyed && !raw.complete && !(err instanceof ErrorReply)) {
        res.destroy();
        return;
      }
      // A body not read to its end (refused early, timed out) is not drained: the connection closes after the answer.
      if (!raw.complete) {
        res.setHeader('Connection', 'close');
        lingerAfterRefusal(raw);
      }
      if (err instanceof BucketGoneError) err = new ErrorReply('NoSuchBucket', { BucketName: err.bucket });
      if (err instanceof ErrorReply) {
        sendError(res, err, req ?? fallback);
        return;
      }
      const out = internalError(err);
      deps.log?.(
        `ossup serve: request ${id} ${raw.method} ${raw.url}: ${out.status} ${out.code}: ${(err as Error)?.stack ?? String(err)}`,
      );
      sendError(res, out, req ?? fallback);
    });
  };
}

/** What the client is told about an unexpected failure: a full disk is named (507), anything else is a 500. */
function internalError(err: unknown): ErrorReply {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ErrorReply(
      'InsufficientStorage',
      {},
      { message: `The server's storage is full (${code}); nothing was stored. Free space on the server and retry.` },
    );
  }
  return new ErrorReply(
    'InternalError',
    {},
    code ? { message: `We encountered an internal error (${code}). Please try again.` } : {},
  );
}

async function handle(
  deps: Deps,
  raw: IncomingMessage,
  res: ServerResponse,
  id: string,
  seen: (r: OssRequest) => void,
): Promise<void> {
  const req = parseRequest(raw, id, deps.ownHosts);
  seen(req);
  // The callback public key is public: callback servers fetch it without credentials.
  if (req.rawPath === PUBLIC_KEY_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
    const pem = await deps.callbacks.publicKeyPem();
    res.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Content-Length': Buffer.byteLength(pem) });
    res.end(req.method === 'HEAD' ? undefined : pem);
    return;
  }
  const op = route(req);
  const name = req.bucket;
  // OSS looks the bucket up before it looks at who is asking: a bucket that does not exist is 404 NoSuchBucket
  // whatever the credentials (the SDKs' "does this bucket exist" reads it), an invalid name 400 InvalidBucketName.
  // Bucket existence is all this tells a stranger, as OSS does; an existing bucket answers only after auth.
  let rec: BucketRecord | undefined;
  if (name !== undefined) {
    if (!isValidBucketName(name)) throw new ErrorReply('InvalidBucketName', { BucketName: name });
    if (op !== 'PutBucket') {
      rec = await deps.store.getBucket(name);
      if (!rec) throw new ErrorReply('NoSuchBucket', { BucketName: name });
    }
  }
  // CORS headers go on before authentication, so a page can read a signature or token error, and a preflight is
  // never authenticated: it is matched against the bucket's CORS rules only (it carries the URL's query, not its
  // signature's method).
  if (rec) await applyCors(req, res, deps.store.configs, rec.name);
  const principal = op === 'OptionObject' ? null : deps.auth.authenticate(req);
  if (op === undefined) {
    const api = apiName(req);
    throw new ErrorReply(
      'NotImplemented',
      { Method: req.method, ResourceType: req.key === undefined ? 'Bucket' : 'Object', API: api },
      {
        message: `ossup serve does not implement ${api} (${req.method} ${req.rawPath}${req.query.length ? `?${req.query.map(([k]) => k).join('&')}` : ''}).`,
      },
    );
  }
  const service: ServiceCtx = {
    req,
    res,
    principal,
    store: deps.store,
    blobs: deps.blobs,
    multipart: deps.multipart,
    config: deps.config,
    callbacks: deps.callbacks,
  };
  // The router answers a service-level request (no bucket) with ListBuckets only.
  if (op === 'ListBuckets' || name === undefined) return bucket.listBuckets(service);
  if (req.key !== undefined) requireValidKey(req.key);
  // Only PutBucket comes here without a bucket record (every other operation was answered NoSuchBucket).
  if (op === 'PutBucket' || !rec) return bucket.putBucket(service, name);
  const ctx: Ctx = { ...service, bucket: rec, key: req.key ?? '' };
  const replaced = await beforeHandler(ctx, op);
  if (replaced) return replaced(ctx);
  await HANDLERS[op](ctx);
}
