// What SDKs and ossutil call to check a bucket: GetBucketInfo (?bucketInfo), HEAD on the bucket, GetBucketStat
// (?stat). GetBucketLocation lives with the other bucket basics (bucket.ts).
import { OssError } from '../errors.js';
import { sendEmpty, sendXml } from '../respond.js';
import { isoDate, OWNER, type Ctx } from './context.js';

function owner(ctx: Ctx): void {
  if (!ctx.principal) throw new OssError('AccessDenied');
}

export async function getBucketInfo(ctx: Ctx): Promise<void> {
  owner(ctx);
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
    },
  });
}

/** HEAD on a bucket: 200 with its region (a missing bucket is the dispatcher's bodiless 404 NoSuchBucket). */
export async function headBucket(ctx: Ctx): Promise<void> {
  owner(ctx);
  sendEmpty(ctx.res, 200, { 'x-oss-bucket-region': `oss-${ctx.config.region}` });
}

export async function getBucketStat(ctx: Ctx): Promise<void> {
  owner(ctx);
  const index = await ctx.store.index(ctx.bucket.name);
  const byClass = new Map<string, { size: number; count: number }>();
  let size = 0;
  let count = 0;
  let last = 0;
  for (const e of index.entries()) {
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
  });
}
