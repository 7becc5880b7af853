// Versioning: PutBucketVersioning / GetBucketVersioning, ListObjectVersions, and DeleteObject of one version.
// (GetObject, HeadObject and CopyObject take their version in operations.ts.)
import { HEADERS } from '../core/dialect.js';
import {
  buildVersioningConfiguration,
  parseListVersionsResult,
  parseVersioningConfiguration,
  type ListVersionsResult,
} from '../core/xml-versions.js';
import { bufferBody } from './body.js';
import type { OssClient } from './client.js';
import { base, versionQuery } from './operations.js';
import type { CallOptions, OssResult, VersionOptions } from './types.js';

export type { ListVersionsResult, ObjectVersionSummary } from '../core/xml-versions.js';

export interface BucketVersioningResult extends OssResult {
  /** Enabled | Suspended; undefined for a bucket that was never versioned. */
  versioning?: 'Enabled' | 'Suspended';
}

export interface DeleteObjectResult extends OssResult {
  /** The version removed, or the delete marker made (versioned buckets). */
  versionId?: string;
  /** A delete marker was made, or the version removed was one. */
  deleteMarker: boolean;
}

export interface ListVersionsOptions extends CallOptions {
  prefix?: string;
  delimiter?: string;
  /** Resume after this key (with `versionIdMarker`: after that version of it). */
  keyMarker?: string;
  versionIdMarker?: string;
  /** Entries per page (versions, delete markers and common prefixes), up to 1000. */
  maxKeys?: number;
}

export async function putBucketVersioning(
  c: OssClient,
  bucket: string,
  status: 'Enabled' | 'Suspended',
  opts: CallOptions,
): Promise<OssResult> {
  const res = await c.request({
    operation: 'PutBucketVersioning',
    method: 'PUT',
    bucket,
    query: [['versioning', '']],
    headers: { 'content-type': 'application/xml' },
    body: bufferBody(buildVersioningConfiguration(status)),
    signal: opts.signal,
  });
  return base(res);
}

export async function getBucketVersioning(
  c: OssClient,
  bucket: string,
  opts: CallOptions,
): Promise<BucketVersioningResult> {
  const res = await c.request({
    operation: 'GetBucketVersioning',
    method: 'GET',
    bucket,
    query: [['versioning', '']],
    signal: opts.signal,
  });
  const status = parseVersioningConfiguration(res.body.toString('utf8'));
  return { ...base(res), ...(status ? { versioning: status } : {}) };
}

export async function listObjectVersions(
  c: OssClient,
  bucket: string,
  opts: ListVersionsOptions,
): Promise<ListVersionsResult & OssResult> {
  const query: Array<[string, string]> = [['versions', '']];
  if (opts.prefix) query.push(['prefix', opts.prefix]);
  if (opts.delimiter) query.push(['delimiter', opts.delimiter]);
  if (opts.keyMarker) query.push(['key-marker', opts.keyMarker]);
  if (opts.versionIdMarker) query.push(['version-id-marker', opts.versionIdMarker]);
  query.push(['max-keys', String(opts.maxKeys ?? 1000)], ['encoding-type', 'url']);
  const res = await c.request({ operation: 'ListObjectVersions', method: 'GET', bucket, query, signal: opts.signal });
  return { ...base(res), ...parseListVersionsResult(res.body.toString('utf8')) };
}

export async function deleteObject(
  c: OssClient,
  bucket: string,
  key: string,
  opts: CallOptions & VersionOptions,
): Promise<DeleteObjectResult> {
  const res = await c.request({
    operation: 'DeleteObject',
    method: 'DELETE',
    bucket,
    key,
    query: versionQuery(opts),
    signal: opts.signal,
  });
  const versionId = res.headers[HEADERS.versionId];
  return {
    ...base(res),
    ...(versionId !== undefined ? { versionId } : {}),
    deleteMarker: res.headers[HEADERS.deleteMarker] === 'true',
  };
}
