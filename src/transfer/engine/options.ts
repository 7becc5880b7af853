// The one check of a transfer's options, for every kind: bad input is an ArgumentError naming the field, found before
// any request or file is touched.
import { ArgumentError } from '../../core/errors.js';
import { validateBucketName, validateObjectKey } from '../../core/names.js';
import type { TransferOptions } from '../types.js';
import { checkConcurrency, checkPartSize } from './planner.js';

/** What validateTransferOptions reads: the shared options, and a download's range. */
export type CommonTransferOptions = Omit<TransferOptions, 'file'> & {
  file?: string;
  range?: { start: number; end?: number };
};

export interface ValidateRules {
  /** The API name, for the message when there is no options object at all. */
  api: string;
  /**
   * Check the key against the rules for keys ossup writes (core/names.ts). Off for reads: an object that exists
   * under any key may be read.
   */
  writesKey: boolean;
  /** Ranges of any size (a download stream holds them in memory; OSS's part bounds do not apply). */
  anyPartSize?: boolean;
  /** The options name a local file (false for streams). Default true. */
  needsFile?: boolean;
}

export function validateTransferOptions(opts: CommonTransferOptions, rules: ValidateRules): void {
  if (!opts || typeof opts !== 'object') throw new ArgumentError('options', `${rules.api} needs an options object`);
  for (const field of ['bucket', 'key', ...(rules.needsFile === false ? [] : ['file' as const])] as const) {
    if (typeof opts[field] !== 'string' || opts[field] === '') throw new ArgumentError(field, `${field} is required`);
  }
  const badBucket = validateBucketName(opts.bucket);
  if (badBucket) throw new ArgumentError('bucket', `invalid bucket name ${JSON.stringify(opts.bucket)}: ${badBucket}`);
  if (rules.writesKey) {
    const badKey = validateObjectKey(opts.key);
    if (badKey) throw new ArgumentError('key', `invalid object key ${JSON.stringify(opts.key)}: ${badKey}`);
  }
  if (opts.concurrency !== undefined) checkConcurrency(opts.concurrency);
  if (opts.partSize !== undefined && !rules.anyPartSize) checkPartSize(opts.partSize);
  const r = opts.range;
  if (r !== undefined) {
    if (!r || typeof r !== 'object' || !Number.isSafeInteger(r.start) || r.start < 0) {
      throw new ArgumentError('range', `range.start must be a non-negative integer, got ${JSON.stringify(r?.start)}`);
    }
    if (r.end !== undefined && (!Number.isSafeInteger(r.end) || r.end < r.start)) {
      throw new ArgumentError(
        'range',
        `range.end must be an integer >= range.start (${r.start}), got ${JSON.stringify(r.end)}`,
      );
    }
  }
  const t = opts.trafficLimit;
  if (t !== undefined && (!Number.isInteger(t) || t <= 0)) {
    throw new ArgumentError('trafficLimit', `trafficLimit must be a positive integer (bits/s), got ${t}`);
  }
}
