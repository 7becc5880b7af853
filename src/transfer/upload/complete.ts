// The end of a multipart upload, whatever the source: CompleteMultipartUpload with the parts in order, tolerating a
// lost response, and the completed object's CRC-64 checked against the parts' combined one.
import { ServiceError } from '../../core/errors.js';
import { checkCrc } from '../engine/multipart.js';
import type { CompleteMultipartUploadResult } from '../../client/index.js';
import type { TransferClient } from '../engine/ports.js';
import type { DonePart } from './types.js';
import type { UploadSettings } from './settings.js';

/**
 * CompleteMultipartUpload, tolerating a lost response: if a retried Complete finds the upload gone (the first
 * attempt succeeded), the object is accepted when its size and CRC-64 are exactly what we uploaded. Then the
 * completed object's CRC-64 must be the parts' combined `expectedCrc`.
 */
export async function completeUpload(
  client: TransferClient,
  opts: UploadSettings,
  uploadId: string,
  parts: DonePart[],
  expectedCrc: bigint,
  size: number,
  onCompleted: () => void,
): Promise<CompleteMultipartUploadResult> {
  const list = parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
  let res: CompleteMultipartUploadResult;
  try {
    res = await client.completeMultipartUpload(opts.bucket, opts.key, uploadId, list, {
      acl: opts.acl,
      forbidOverwrite: opts.forbidOverwrite,
      callback: opts.callback,
      callbackVars: opts.callbackVars,
      signal: opts.signal,
    });
  } catch (err) {
    if (!(err instanceof ServiceError && err.code === 'NoSuchUpload') || opts.callback) throw err;
    const head = await client.headObject(opts.bucket, opts.key, { signal: opts.signal }).catch(() => undefined);
    if (!head || head.size !== size || head.crc64 !== expectedCrc) throw err;
    res = { requestId: head.requestId, status: 200, headers: head.headers, etag: head.etag, crc64: head.crc64 };
  }
  onCompleted();
  checkCrc(res.crc64, expectedCrc, (server, ours) => {
    return `the completed object's CRC-64 ${server} differs from the parts' combined ${ours} (request ${res.requestId})`;
  });
  return res;
}
