// A file within one part goes up in one PutObject. Content-MD5 must be sent before the body, so keeping it means
// reading and hashing the whole file before the first byte leaves (measured: the PUT took ~2x a plain streamed PUT).
// Instead the file is streamed as is and each chunk's CRC-64 is taken once the socket has it, on the event
// loop while the kernel and the server work on that chunk (with node:http feeding the socket this took a third of
// the PUT's time and a hashing thread reading the file alongside was faster; with the lean HTTP client the loop has
// the room, and the thread's start-up and second read of the file are gone: figures in BENCHMARKS.md, issue 15). The
// stored object is checked against it from the response (x-oss-hash-crc64ecma is the CRC-64 of the stored bytes; a
// response without one but with an MD5 ETag is checked against the file's MD5, read again). So the object is
// proven to be the file's bytes (DESIGN.md, "Integrity by CRC-64"). A mismatch means the server
// stored other bytes (or the file changed under us, which the identity check after the response tells apart): the
// object is overwritten with a fresh attempt, and after INTEGRITY_ATTEMPTS it is removed and IntegrityError raised.
// Content-MD5 is still sent up front (hash first, as before) where a wrong object must never exist even briefly:
//   - with a callback: the application's server is told about the object as soon as it is stored;
//   - with forbidOverwrite: a damaged object could not be replaced by the retry;
//   - when a response carries neither a CRC-64 nor an MD5 ETag (e.g. KMS encryption): nothing could be checked
//     after the fact, so that attempt is redone with Content-MD5. No check is ever dropped.
import { crc64ToDecimal } from '../../core/crc64.js';
import { IntegrityError } from '../../core/errors.js';
import type { HeadObjectResult, PutObjectResult } from '../../client/index.js';
import { bytesToHex } from '../engine/bytes.js';
import { finishTransfer, startProgress } from '../engine/engine.js';
import type { HashedBody, PartBody, PartBytes, PartSource } from '../engine/ports.js';
import type { UploadResult } from '../types.js';
import { INTEGRITY_ATTEMPTS, sendVerified } from './resend.js';
import { uploadResult, type UploadContext, type UploadSettings } from './settings.js';

/** A PutObject ETag that is the MD5 of the object (a plain upload, no KMS): 32 hex digits. */
const MD5_ETAG = /^[0-9A-F]{32}$/;

export function etagIsMd5(etag: string | undefined): boolean {
  return etag !== undefined && MD5_ETAG.test(etag.toUpperCase());
}

/** CRC-64 (and MD5, empty when not taken) of the file, of the bytes that were sent. */
export interface FileDigest {
  md5: Uint8Array;
  crc64: bigint;
}

export interface PutWhileHashingInput {
  /** A fresh body per attempt that hashes its bytes as they go out (PartSource.hashedAsSent). */
  body(): HashedBody | Promise<HashedBody>;
  /** The whole source hashed again (the server answered before the body was read to its end). */
  hash(): Promise<FileDigest>;
  /** One PutObject of `body` (the file), without Content-MD5. */
  send(body: PartBody): Promise<PutObjectResult>;
  /** After a response (or a failed request), before its checks: throws FileChangedError if the file changed. */
  received(): Promise<void>;
  head(): Promise<HeadObjectResult>;
  remove(): Promise<void>;
}

/**
 * PutObject of the file hashed while sent; resolves with the digests and the response once the stored object is
 * proven to be those bytes, or undefined when the response carries nothing to prove it by (the caller then sends
 * with Content-MD5). A stored object whose ETag or CRC-64 disagrees is overwritten by another attempt; after the
 * last one it is removed (if it is still ours) and IntegrityError raised.
 */
export async function putWhileHashing(
  input: PutWhileHashingInput,
): Promise<{ digest: FileDigest; res: PutObjectResult } | undefined> {
  for (let attempt = 1; ; attempt++) {
    const body = await input.body();
    let res: PutObjectResult;
    try {
      res = await input.send(body.body);
    } catch (err) {
      await input.received(); // a file that shrank or changed is FileChangedError, not a transport error
      throw err;
    }
    // The digest of the attempt that was answered (the last one opened), unless it was not read to its end (the
    // server answered early) or the response has only an MD5 ETag to check: then read the file again.
    if (res.crc64 === undefined && !etagIsMd5(res.etag)) {
      await input.received();
      return undefined;
    }
    const byMd5 = res.crc64 === undefined;
    const digest = (byMd5 ? undefined : body.digest()) ?? (await input.hash());
    await input.received();
    const md5 = byMd5 ? bytesToHex(digest.md5) : '';
    const md5Wrong = byMd5 && res.etag.toUpperCase() !== md5;
    const crcWrong = res.crc64 !== undefined && res.crc64 !== digest.crc64;
    if (!md5Wrong && !crcWrong) return { digest, res };
    if (attempt < INTEGRITY_ATTEMPTS) continue; // overwrite the damaged copy
    const head = await input.head().catch(() => undefined);
    if (head?.etag === res.etag) await input.remove().catch(() => undefined);
    if (md5Wrong) {
      throw new IntegrityError(
        'md5',
        md5,
        res.etag,
        `the server stored bytes other than those sent (its ETag ${res.etag} is not their MD5 ${md5}) ${attempt} times (request ${res.requestId}); the damaged object was removed`,
      );
    }
    throw new IntegrityError(
      'crc64',
      crc64ToDecimal(res.crc64!),
      crc64ToDecimal(digest.crc64),
      `the server's CRC-64 ${crc64ToDecimal(res.crc64!)} differs from the local ${crc64ToDecimal(digest.crc64)} after ${attempt} attempts (request ${res.requestId}); the object was removed`,
    );
  }
}

/**
 * The upload of a source within one part: one PutObject. A source that can hash as it sends (a file) is sent that
 * way and checked after; otherwise, and where a wrong object must never be stored even briefly (a callback notifies
 * the application; forbidOverwrite could not replace it), with Content-MD5 first, and wherever the response had
 * nothing to check the stored bytes against. `first`: the bytes, when already read (a stream's only part).
 */
export async function uploadSingle(
  ctx: UploadContext,
  opts: UploadSettings,
  source: PartSource,
  first?: PartBytes,
): Promise<UploadResult> {
  const { client } = ctx;
  const size = first?.size ?? source.size ?? 0;
  const whole = { number: 1, start: 0, size };
  const progress = startProgress(ctx, {
    totalBytes: size,
    resumedBytes: 0,
    totalParts: 1,
    partsDone: 0,
    partSize: size,
    concurrency: 1,
  });
  const putOptions = {
    ...opts.write,
    trafficLimit: opts.trafficLimit,
    callback: opts.callback,
    callbackVars: opts.callbackVars,
    signal: opts.signal,
    onProgress: (sent: number) => progress.partBytes(1, sent),
  };
  const received = async () => source.assertUnchanged?.();
  const hashed = source.hashedAsSent?.bind(source);
  const streamed =
    opts.callback || opts.forbidOverwrite || opts.contentMd5 || !hashed
      ? undefined
      : await putWhileHashing({
          body: hashed,
          hash: () => source.read(whole, { discard: true, signal: opts.signal }),
          send: (body) => client.putObject(opts.bucket, opts.key, body, putOptions),
          received,
          head: () => client.headObject(opts.bucket, opts.key, { signal: opts.signal }),
          remove: () => client.deleteObject(opts.bucket, opts.key, { signal: opts.signal }).then(() => undefined),
        });
  const { digest, res } =
    streamed ??
    (await sendVerified({
      file: source.name,
      what: '',
      // A file: overwrite a bad copy once before failing loudly (never re-run a callback). Bytes in memory that
      // cannot be re-read: up to INTEGRITY_ATTEMPTS sends.
      crcAttempts: opts.callback ? 1 : source.replayable ? 2 : undefined,
      prepare: async () => first ?? source.read(whole, { signal: opts.signal }),
      inMemory: (d) => d.data !== undefined,
      send: (d, contentMd5) => client.putObject(opts.bucket, opts.key, d.body, { ...putOptions, contentMd5 }),
      rehash: async () => (await source.read(whole, { discard: true, signal: opts.signal })).md5,
      received,
    }));
  progress.partDone(1, size);
  ctx.emit({ type: 'part', partNumber: 1, partsDone: 1, totalParts: 1 });
  return finishTransfer(ctx, progress, {
    ...uploadResult(opts, source, res.etag, digest.crc64, size, 1, 0),
    ...(opts.callback ? { callbackBody: res.callbackBody } : {}),
  });
}
