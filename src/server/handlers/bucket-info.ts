// What SDKs and ossutil call to check a bucket: GetBucketInfo (?bucketInfo), HEAD on the bucket, GetBucketStat
// (?stat). GetBucketLocation lives with the other bucket basics (bucket.ts).
import { HEADERS } from '../../core/dialect.js';
import { sendEmpty, sendXml } from '../respond.js';
import { blocksPublicAccess } from './config-docs.js';
import { isoDate, OWNER, requireOwner, type Ctx } from './context.js';

export async function getBucketInfo(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const b = ctx.bucket;
  const host = new URL(ctx.config.endpoint).host;
  sendXml(ctx.res, 200, 'BucketInfo', {
    Bucket: {
      AccessMonitor: 'Disabled',
      CreationDate: isoDate(b.created),
      ExtranetEndpoint: host,
      IntranetEndpoint: host,
      Location: `oss-${ctx.config.region}`,
      StorageClass: b.storageClass,
      TransferAcceleration: 'Disabled',
      CrossRegionReplication: 'Disabled',
      Name: b.name,
      Owner: { DisplayName: OWNER.DisplayName, ID: OWNER.ID },
      AccessControlList: { Grant: b.acl },
      DataRedundancyType: 'LRS',
      Comment: '',
      ServerSideEncryptionRule: { SSEAlgorithm: 'None' },
      BucketPolicy: { LogBucket: '', LogPrefix: '' },
      // Go SDK v2 BucketInfo.BlockPublicAccess: the bucket's PutBucketPublicAccessBlock setting.
      BlockPublicAccess: await blocksPublicAccess(ctx),
    },
  });
}

/** HEAD on a bucket: 200 with its region (a missing bucket is the dispatcher's bodiless 404 NoSuchBucket). */
export async function headBucket(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  sendEmpty(ctx.res, 200, { [HEADERS.bucketRegion]: `oss-${ctx.config.region}` });
}

export async function getBucketStat(ctx: Ctx): Promise<void> {
  requireOwner(ctx);
  const entries = await ctx.store.bucketEntries(ctx.bucket.name);
  const byClass = new Map<string, { size: number; count: number }>();
  let size = 0;
  let count = 0;
  let last = 0;
  for (const e of entries) {
    size += e.size;
    count++;
    last = Math.max(last, e.lastModified);
    const c = byClass.get(e.storageClass) ?? { size: 0, count: 0 };
    c.size += e.size;
    c.count++;
    byClass.set(e.storageClass, c);
  }
  const uploads = (await ctx.multipart.listUploads(ctx.bucket.name)).length;
  const cls = (name: string) => byClass.get(name) ?? { size: 0, count: 0 };
  sendXml(ctx.res, 200, 'BucketStat', {
    Storage: size,
    ObjectCount: count,
    MultipartUploadCount: uploads,
    LiveChannelCount: 0,
    LastModifiedTime: Math.floor(last / 1000),
    StandardStorage: cls('Standard').size,
    StandardObjectCount: cls('Standard').count,
    InfrequentAccessStorage: cls('IA').size,
    InfrequentAccessRealStorage: cls('IA').size,
    InfrequentAccessObjectCount: cls('IA').count,
    ArchiveStorage: cls('Archive').size,
    ArchiveRealStorage: cls('Archive').size,
    ArchiveObjectCount: cls('Archive').count,
    ColdArchiveStorage: cls('ColdArchive').size,
    ColdArchiveRealStorage: cls('ColdArchive').size,
    ColdArchiveObjectCount: cls('ColdArchive').count,
    // Go SDK v2 BucketStat's DeepColdArchive* and DeleteMarkerCount (no delete markers: no versioning here).
    DeepColdArchiveObjectCount: cls('DeepColdArchive').count,
    DeepColdArchiveStorage: cls('DeepColdArchive').size,
    DeepColdArchiveRealStorage: cls('DeepColdArchive').size,
    DeleteMarkerCount: 0,
  });
}
