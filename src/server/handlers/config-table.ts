// The handler table of the bucket configurations added by issue 26, merged into dispatch.ts's table.
import type { OperationConfig } from '../router.js';
import type { Ctx } from './context.js';
import * as docs from './config-docs.js';
import * as lists from './config-lists.js';
import * as policy from './policy.js';
import * as worm from './worm.js';

export const CONFIG_HANDLERS: Record<OperationConfig, (ctx: Ctx) => Promise<void>> = {
  InitiateBucketWorm: worm.initiateBucketWorm,
  GetBucketWorm: worm.getBucketWorm,
  AbortBucketWorm: worm.abortBucketWorm,
  CompleteBucketWorm: worm.completeBucketWorm,
  ExtendBucketWorm: worm.extendBucketWorm,
  PutBucketTags: docs.bucketTags.put,
  GetBucketTags: docs.bucketTags.get,
  DeleteBucketTags: docs.deleteBucketTags,
  PutBucketPolicy: policy.putBucketPolicy,
  GetBucketPolicy: policy.getBucketPolicy,
  DeleteBucketPolicy: policy.deleteBucketPolicy,
  GetBucketPolicyStatus: policy.getBucketPolicyStatus,
  PutBucketEncryption: docs.encryption.put,
  GetBucketEncryption: docs.encryption.get,
  DeleteBucketEncryption: docs.encryption.delete,
  PutBucketRequestPayment: docs.requestPayment.put,
  GetBucketRequestPayment: docs.requestPayment.get,
  PutBucketResourceGroup: docs.resourceGroup.put,
  GetBucketResourceGroup: docs.resourceGroup.get,
  PutBucketTransferAcceleration: docs.transferAcceleration.put,
  GetBucketTransferAcceleration: docs.transferAcceleration.get,
  PutBucketPublicAccessBlock: docs.publicAccessBlock.put,
  GetBucketPublicAccessBlock: docs.publicAccessBlock.get,
  DeleteBucketPublicAccessBlock: docs.publicAccessBlock.delete,
  ListStyle: lists.listStyle,
  PutStyle: lists.putStyle,
  GetStyle: lists.getStyle,
  DeleteStyle: lists.deleteStyle,
  ListBucketInventory: lists.listBucketInventory,
  PutBucketInventory: lists.putBucketInventory,
  GetBucketInventory: lists.getBucketInventory,
  DeleteBucketInventory: lists.deleteBucketInventory,
  ListCname: lists.listCname,
  PutCname: lists.putCname,
  DeleteCname: lists.deleteCname,
  PutBucketReplication: lists.putBucketReplication,
  GetBucketReplication: lists.getBucketReplication,
  DeleteBucketReplication: lists.deleteBucketReplication,
};
