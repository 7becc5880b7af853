import { validateBucketName, validateObjectKey } from '../../core/names.js';
import { UsageError } from '../usage-error.js';

/** Bucket and key checked before anything is sent: a bad name is the user's input, so exit 2. */
export function checkName(bucket: string, key?: string): void {
  const bucketProblem = validateBucketName(bucket);
  if (bucketProblem !== null) {
    throw new UsageError(
      `invalid bucket name "${bucket}": ${bucketProblem}`,
      'bucket names are 3-63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit',
    );
  }
  if (key !== undefined && key !== '') {
    const keyProblem = validateObjectKey(key);
    if (keyProblem !== null) throw new UsageError(`invalid object key "${key}": ${keyProblem}`);
  }
}
