// Every API OSS defines, by what selects it: level (service, bucket, object), method and the sorted
// operation-selecting sub-resources of the query (router.ts `selectorKey`). Sources: the operation list of
// alibabacloud-oss-go-sdk-v2 (`oss/api_op_*.go`: OpName, Method, Parameters, SubResource) and
// alibabacloud-oss-python-sdk-v2 (`operations/*.py`), plus the live-channel and QoS APIs of aliyun-oss-go-sdk.
// router.ts's operation lists say which of them ossup serve implements; every other one is answered 501 NotImplemented
// naming the API here (docs/OSS-PROTOCOL.md, "Sub-resources and APIs").
import { HEADERS } from '../core/dialect.js';
import { q, type OssRequest } from './request.js';

type Name = string | ((r: OssRequest) => string);

const byComp =
  (names: Record<string, string>, fallback: string): Name =>
  (r) =>
    names[q(r, 'comp') ?? ''] ?? fallback;

/** Put/Get/Delete of one bucket sub-resource: `bucket PUT <sub>` -> `Put<Api>` ... */
function crud(sub: string, api: string, methods = 'PUT GET DELETE'): Record<string, Name> {
  const out: Record<string, Name> = {};
  for (const m of methods.split(' ')) {
    out[`bucket ${m} ${sub}`] = `${m.charAt(0)}${m.slice(1).toLowerCase()}${api}`;
  }
  return out;
}

const SELECT_PROCESS: Record<string, string> = {
  'csv/select': 'SelectObject',
  'json/select': 'SelectObject',
  'csv/meta': 'CreateSelectObjectMeta',
  'json/meta': 'CreateSelectObjectMeta',
};

export const OSS_APIS: Record<string, Name> = {
  // service
  'service GET ': 'ListBuckets',
  'service GET regions': 'DescribeRegions',
  'service GET cloudboxes': 'ListCloudBoxes',
  'service PUT publicAccessBlock': 'PutPublicAccessBlock',
  'service GET publicAccessBlock': 'GetPublicAccessBlock',
  'service DELETE publicAccessBlock': 'DeletePublicAccessBlock',
  'service GET accessPoint': 'ListAccessPoints',
  'service GET accessPointForObjectProcess': 'ListAccessPointsForObjectProcess',
  'service GET redundancyTransition': 'ListUserDataRedundancyTransition',
  'service POST dataPipeline': 'DoDataPipeLineAction',
  'service GET qosInfo': 'GetUserQoSInfo',
  'service POST x-oss-write-get-object-response': 'WriteGetObjectResponse',
  // bucket basics
  'bucket PUT ': 'PutBucket',
  'bucket DELETE ': 'DeleteBucket',
  'bucket HEAD ': 'HeadBucket',
  'bucket GET ': (r) => (q(r, 'list-type') === '2' ? 'ListObjectsV2' : 'ListObjects'),
  'bucket POST ': 'PostObject',
  'bucket OPTIONS ': 'OptionObject',
  'bucket PUT acl': 'PutBucketAcl',
  'bucket GET acl': 'GetBucketAcl',
  'bucket GET location': 'GetBucketLocation',
  'bucket GET bucketInfo': 'GetBucketInfo',
  'bucket GET stat': 'GetBucketStat',
  'bucket GET uploads': 'ListMultipartUploads',
  'bucket POST delete': 'DeleteMultipleObjects',
  'bucket GET versions': 'ListObjectVersions',
  'bucket PUT versioning': 'PutBucketVersioning',
  'bucket GET versioning': 'GetBucketVersioning',
  // bucket configurations
  ...crud('cors', 'BucketCors'),
  ...crud('lifecycle', 'BucketLifecycle'),
  ...crud('logging', 'BucketLogging'),
  ...crud('website', 'BucketWebsite'),
  ...crud('referer', 'BucketReferer', 'PUT GET'),
  ...crud('tagging', 'BucketTags'),
  ...crud('policy', 'BucketPolicy'),
  'bucket GET policyStatus': 'GetBucketPolicyStatus',
  ...crud('encryption', 'BucketEncryption'),
  ...crud('requestPayment', 'BucketRequestPayment', 'PUT GET'),
  ...crud('resourceGroup', 'BucketResourceGroup', 'PUT GET'),
  ...crud('transferAcceleration', 'BucketTransferAcceleration', 'PUT GET'),
  ...crud('publicAccessBlock', 'BucketPublicAccessBlock'),
  'bucket PUT publicAccessBlock&x-oss-access-point-name': 'PutAccessPointPublicAccessBlock',
  'bucket GET publicAccessBlock&x-oss-access-point-name': 'GetAccessPointPublicAccessBlock',
  'bucket DELETE publicAccessBlock&x-oss-access-point-name': 'DeleteAccessPointPublicAccessBlock',
  ...crud('accessmonitor', 'BucketAccessMonitor', 'PUT GET'),
  ...crud('bucketArchiveDirectRead', 'BucketArchiveDirectRead', 'PUT GET'),
  ...crud('httpsConfig', 'BucketHttpsConfig', 'PUT GET'),
  ...crud('overwriteConfig', 'BucketOverwriteConfig'),
  ...crud('userDefinedLogFieldsConfig', 'UserDefinedLogFieldsConfig'),
  ...crud('objectWorm', 'BucketObjectWormConfiguration', 'PUT GET'),
  ...crud('qosInfo', 'BucketQoSInfo'),
  'bucket PUT rtc': 'PutBucketRtc',
  'bucket GET style': 'ListStyle',
  'bucket PUT style&styleName': 'PutStyle',
  'bucket GET style&styleName': 'GetStyle',
  'bucket DELETE style&styleName': 'DeleteStyle',
  'bucket GET inventory': 'ListBucketInventory',
  'bucket PUT inventory&inventoryId': 'PutBucketInventory',
  'bucket GET inventory&inventoryId': 'GetBucketInventory',
  'bucket DELETE inventory&inventoryId': 'DeleteBucketInventory',
  'bucket GET cname': 'ListCname',
  'bucket POST cname&comp': byComp({ add: 'PutCname', delete: 'DeleteCname', token: 'CreateCnameToken' }, 'PutCname'),
  'bucket GET cname&comp': 'GetCnameToken',
  'bucket POST comp&replication': byComp({ delete: 'DeleteBucketReplication' }, 'PutBucketReplication'),
  'bucket GET replication': 'GetBucketReplication',
  'bucket GET replicationLocation': 'GetBucketReplicationLocation',
  'bucket GET replicationProgress': 'GetBucketReplicationProgress',
  'bucket POST comp&metaQuery': byComp({ add: 'OpenMetaQuery', delete: 'CloseMetaQuery' }, 'DoMetaQuery'),
  'bucket GET metaQuery': 'GetMetaQueryStatus',
  'bucket POST metaQuery': 'DoMetaQueryAction',
  'bucket POST MetaQuery': 'DoMetaQueryAction',
  'bucket POST worm': 'InitiateBucketWorm',
  'bucket DELETE worm': 'AbortBucketWorm',
  'bucket GET worm': 'GetBucketWorm',
  'bucket POST wormId': 'CompleteBucketWorm',
  'bucket POST wormExtend&wormId': 'ExtendBucketWorm',
  'bucket POST redundancyTransition&x-oss-target-redundancy-type': 'CreateBucketDataRedundancyTransition',
  'bucket GET redundancyTransition': 'ListBucketDataRedundancyTransition',
  'bucket GET redundancyTransition&x-oss-redundancy-transition-taskid': 'GetBucketDataRedundancyTransition',
  'bucket DELETE redundancyTransition&x-oss-redundancy-transition-taskid': 'DeleteBucketDataRedundancyTransition',
  'bucket PUT accessPoint': 'CreateAccessPoint',
  'bucket GET accessPoint': (r) =>
    r.headers[HEADERS.accessPointName] !== undefined ? 'GetAccessPoint' : 'ListAccessPoints',
  'bucket DELETE accessPoint': 'DeleteAccessPoint',
  ...crud('accessPointPolicy', 'AccessPointPolicy'),
  'bucket PUT accessPointForObjectProcess': 'CreateAccessPointForObjectProcess',
  'bucket GET accessPointForObjectProcess': 'GetAccessPointForObjectProcess',
  'bucket DELETE accessPointForObjectProcess': 'DeleteAccessPointForObjectProcess',
  ...crud('accessPointPolicyForObjectProcess', 'AccessPointPolicyForObjectProcess'),
  ...crud('accessPointConfigForObjectProcess', 'AccessPointConfigForObjectProcess', 'PUT GET'),
  'bucket POST asyncFetch': 'AsyncFetchTask',
  'bucket GET asyncFetch': 'GetAsyncFetchTask',
  'bucket GET live': 'ListLiveChannel',
  // objects
  'object PUT ': (r) => (r.headers[HEADERS.copySource] !== undefined ? 'CopyObject' : 'PutObject'),
  'object GET ': 'GetObject',
  'object HEAD ': 'HeadObject',
  'object DELETE ': 'DeleteObject',
  'object OPTIONS ': 'OptionObject',
  'object GET objectMeta': 'GetObjectMeta',
  'object HEAD objectMeta': 'GetObjectMeta',
  'object PUT acl': 'PutObjectAcl',
  'object GET acl': 'GetObjectAcl',
  'object PUT tagging': 'PutObjectTagging',
  'object GET tagging': 'GetObjectTagging',
  'object DELETE tagging': 'DeleteObjectTagging',
  'object PUT symlink': 'PutSymlink',
  'object GET symlink': 'GetSymlink',
  'object POST restore': 'RestoreObject',
  'object POST cleanRestoredObject': 'CleanRestoredObject',
  'object POST append': 'AppendObject',
  'object POST append&position': 'AppendObject',
  'object POST seal': 'SealAppendObject',
  'object POST uploads': 'InitiateMultipartUpload',
  'object PUT partNumber&uploadId': (r) =>
    r.headers[HEADERS.copySource] !== undefined ? 'UploadPartCopy' : 'UploadPart',
  'object POST uploadId': 'CompleteMultipartUpload',
  'object DELETE uploadId': 'AbortMultipartUpload',
  'object GET uploadId': 'ListParts',
  'object PUT retention': 'PutObjectRetention',
  'object GET retention': 'GetObjectRetention',
  'object PUT legalHold': 'PutObjectLegalHold',
  'object GET legalHold': 'GetObjectLegalHold',
  // image processing on GET: no API name of its own in the SDKs
  'object GET x-oss-process': 'GetObjectProcess',
  'object POST x-oss-process': (r) => SELECT_PROCESS[q(r, HEADERS.process) ?? ''] ?? 'ProcessObject',
  'object POST x-oss-async-process': 'AsyncProcessObject',
  // live channels: the channel name is the key
  'object PUT live': 'PutLiveChannel',
  'object PUT live&status': 'PutLiveChannelStatus',
  'object GET live': 'GetLiveChannelInfo',
  'object GET live&stat': 'GetLiveChannelStat',
  'object GET comp&live': 'GetLiveChannelHistory',
  'object DELETE live': 'DeleteLiveChannel',
  'object GET endTime&startTime&vod': 'GetVodPlaylist',
  'object POST endTime&startTime&vod': 'PostVodPlaylist',
};

/** The OSS API a selector key names, or undefined when OSS defines none. */
export function ossApi(key: string, req: OssRequest): string | undefined {
  const name = OSS_APIS[key];
  return typeof name === 'function' ? name(req) : name;
}
