// Operations beyond the transfer path: object tagging and ACL, bucket info, AppendObject. Same shape as
// operations.ts: build the request, read the result.
import { HEADERS } from '../core/dialect.js';
import { parseCrc64 } from '../core/crc64.js';
import { objectOf, parseXml, rootOf, textOf } from '../core/xml-core.js';
import { buildTagging, parseTagging } from '../core/xml-tagging.js';
import { bufferBody, type BodySource } from './body.js';
import type { OssClient } from './client.js';
import type { OssResponse } from './pipeline.js';
import { versionQuery } from './operations.js';
import type { CallOptions, OssResult, VersionOptions } from './types.js';

function base(res: OssResponse): OssResult {
  return { requestId: res.requestId, status: res.status, headers: res.headers };
}

export interface ObjectTaggingResult extends OssResult {
  /** Tags in the order the server lists them. */
  tags: Record<string, string>;
}

export interface AclResult extends OssResult {
  /** private | public-read | public-read-write | default (objects only). */
  acl: string;
}

export interface BucketInfoResult extends OssResult {
  name: string;
  location: string;
  creationDate: string;
  storageClass: string;
  acl: string;
}

export interface AppendObjectResult extends OssResult {
  /** Where the next append must start (the object's new length). */
  nextPosition: number;
  /** CRC-64 of the whole object after this append. */
  crc64?: bigint;
  etag: string;
}

export async function getObjectTagging(
  c: OssClient,
  bucket: string,
  key: string,
  opts: CallOptions & VersionOptions,
): Promise<ObjectTaggingResult> {
  const res = await c.request({
    operation: 'GetObjectTagging',
    method: 'GET',
    bucket,
    key,
    query: [['tagging', ''], ...versionQuery(opts)],
    signal: opts.signal,
  });
  return { ...base(res), tags: Object.fromEntries(parseTagging(res.body.toString('utf8'))) };
}

export async function putObjectTagging(
  c: OssClient,
  bucket: string,
  key: string,
  tags: Record<string, string>,
  opts: CallOptions,
): Promise<OssResult> {
  const body = bufferBody(buildTagging(Object.entries(tags)));
  const headers = { 'content-type': 'application/xml' };
  return base(
    await c.request({
      operation: 'PutObjectTagging',
      method: 'PUT',
      bucket,
      key,
      query: [['tagging', '']],
      headers,
      body,
      signal: opts.signal,
    }),
  );
}

export async function getAcl(
  c: OssClient,
  bucket: string,
  key: string | undefined,
  opts: CallOptions & VersionOptions,
): Promise<AclResult> {
  const operation = key === undefined ? 'GetBucketAcl' : 'GetObjectAcl';
  const query: Array<[string, string]> = [['acl', ''], ...versionQuery(opts)];
  const res = await c.request({ operation, method: 'GET', bucket, key, query, signal: opts.signal });
  const list = objectOf(rootOf(parseXml(res.body.toString('utf8')), 'AccessControlPolicy'), 'AccessControlList');
  return { ...base(res), acl: (list && textOf(list, 'Grant')) ?? '' };
}

export async function getBucketInfo(c: OssClient, bucket: string, opts: CallOptions): Promise<BucketInfoResult> {
  const res = await c.request({
    operation: 'GetBucketInfo',
    method: 'GET',
    bucket,
    query: [['bucketInfo', '']],
    signal: opts.signal,
  });
  const b = objectOf(rootOf(parseXml(res.body.toString('utf8')), 'BucketInfo'), 'Bucket') ?? {};
  const acl = objectOf(b, 'AccessControlList');
  return {
    ...base(res),
    name: textOf(b, 'Name') ?? bucket,
    location: textOf(b, 'Location') ?? '',
    creationDate: textOf(b, 'CreationDate') ?? '',
    storageClass: textOf(b, 'StorageClass') ?? '',
    acl: (acl && textOf(acl, 'Grant')) ?? '',
  };
}

export async function appendObject(
  c: OssClient,
  bucket: string,
  key: string,
  position: number,
  body: BodySource,
  headers: Record<string, string>,
  opts: CallOptions,
): Promise<AppendObjectResult> {
  const query: Array<[string, string]> = [
    ['append', ''],
    ['position', String(position)],
  ];
  const res = await c.request({
    operation: 'AppendObject',
    method: 'POST',
    bucket,
    key,
    query,
    headers,
    body,
    signal: opts.signal,
  });
  const crc = res.headers[HEADERS.hashCrc64ecma];
  return {
    ...base(res),
    nextPosition: Number(res.headers[HEADERS.nextAppendPosition]),
    ...(crc ? { crc64: parseCrc64(crc) } : {}),
    etag: (res.headers.etag ?? '').replace(/"/g, ''),
  };
}

export interface SymlinkResult extends OssResult {
  /** The key the link points to. */
  target: string;
}

export async function putSymlink(
  c: OssClient,
  bucket: string,
  key: string,
  target: string,
  headers: Record<string, string>,
  opts: CallOptions,
): Promise<OssResult> {
  const h = { ...headers, [HEADERS.symlinkTarget]: encodeURIComponent(target) };
  return base(
    await c.request({
      operation: 'PutSymlink',
      method: 'PUT',
      bucket,
      key,
      query: [['symlink', '']],
      headers: h,
      signal: opts.signal,
    }),
  );
}

export async function getSymlink(c: OssClient, bucket: string, key: string, opts: CallOptions): Promise<SymlinkResult> {
  const res = await c.request({
    operation: 'GetSymlink',
    method: 'GET',
    bucket,
    key,
    query: [['symlink', '']],
    signal: opts.signal,
  });
  return { ...base(res), target: decodeURIComponent(res.headers[HEADERS.symlinkTarget] ?? '') };
}

/** RestoreObject: 202 when a restore starts, 200 when a completed one is extended. */
export async function restoreObject(
  c: OssClient,
  bucket: string,
  key: string,
  days: number,
  opts: CallOptions,
): Promise<OssResult> {
  const body = bufferBody(`<RestoreRequest><Days>${days}</Days></RestoreRequest>`);
  const headers = { 'content-type': 'application/xml' };
  return base(
    await c.request({
      operation: 'RestoreObject',
      method: 'POST',
      bucket,
      key,
      query: [['restore', '']],
      headers,
      body,
      signal: opts.signal,
    }),
  );
}
