// CORS: PutBucketCors / GetBucketCors / DeleteBucketCors (the document is core/xml-cors.ts, shared with the server).
import { buildCorsConfiguration, type CorsConfig, type CorsRule, parseCorsConfiguration } from '../core/xml-cors.js';
import { bufferBody } from './body.js';
import type { OssClient } from './client.js';
import { base } from './operations.js';
import type { CallOptions, OssResult } from './types.js';

export type BucketCorsResult = OssResult & CorsConfig;

/** Replaces the bucket's CORS rules (1 to 10, tried in order); `responseVary` sends `Vary: Origin` on every answer. */
export async function putBucketCors(
  c: OssClient,
  bucket: string,
  rules: CorsRule[],
  opts: CallOptions & { responseVary?: boolean },
): Promise<OssResult> {
  const res = await c.request({
    operation: 'PutBucketCors',
    method: 'PUT',
    bucket,
    query: [['cors', '']],
    headers: { 'content-type': 'application/xml' },
    body: bufferBody(buildCorsConfiguration({ rules, responseVary: opts.responseVary ?? false })),
    signal: opts.signal,
  });
  return base(res);
}

/** The bucket's CORS rules; a bucket without any answers 404 NoSuchCORSConfiguration. */
export async function getBucketCors(c: OssClient, bucket: string, opts: CallOptions): Promise<BucketCorsResult> {
  const res = await c.request({
    operation: 'GetBucketCors',
    method: 'GET',
    bucket,
    query: [['cors', '']],
    signal: opts.signal,
  });
  return { ...base(res), ...parseCorsConfiguration(res.body.toString('utf8')) };
}

/** Removes every CORS rule of the bucket (no error when it had none). */
export async function deleteBucketCors(c: OssClient, bucket: string, opts: CallOptions): Promise<OssResult> {
  const res = await c.request({
    operation: 'DeleteBucketCors',
    method: 'DELETE',
    bucket,
    query: [['cors', '']],
    signal: opts.signal,
  });
  return base(res);
}
