// The error codes of the bucket configurations added with issue 26 (tagging, policy, encryption, style,
// inventory, replication, transfer acceleration), merged into error-codes.ts's SERVICE_ERRORS.

export const CONFIG_ERRORS = {
  NoSuchBucketPolicy: { status: 404, message: 'The bucket policy does not exist.', ec: '' },
  NoSuchServerSideEncryptionRule: {
    status: 404,
    message: 'The server side encryption configuration was not found.',
    ec: '',
  },
  NoSuchTransferAccelerationConfiguration: {
    status: 404,
    message: 'The bucket you specified does not have transfer acceleration configuration.',
    ec: '',
  },
  NoSuchStyle: { status: 404, message: 'The specified style does not exist.', ec: '' },
  NoSuchInventory: { status: 404, message: 'The specified inventory does not exist.', ec: '' },
  NoSuchReplicationConfiguration: {
    status: 404,
    message: 'The specified bucket does not have a replication configuration.',
    ec: '',
  },
  NoSuchCname: { status: 404, message: 'The specified cname does not exist.', ec: '' },
  // WORM (retention policy): codes and statuses from OSS's error-code pages (403, 404, 409) and SDK tests.
  NoSuchWORMConfiguration: { status: 404, message: 'The WORM Configuration does not exist.', ec: '' },
  WORMConfigurationLocked: { status: 403, message: 'The WORM Configuration is locked.', ec: '' },
  InvalidWORMConfiguration: { status: 400, message: 'Invalid WORM Configuration.', ec: '' },
  FileImmutable: { status: 409, message: 'The object you specified is immutable.', ec: '' },
} as const satisfies Record<string, { status: number; message: string; ec: string }>;
