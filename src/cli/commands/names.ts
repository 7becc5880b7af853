import { OssupError } from '../../core/errors.js';
import { validateBucketName, validateObjectKey } from '../../core/names.js';
import { UsageError } from '../usage-error.js';

/** Bucket and key checked before anything is sent: a bad name is the user's input, so exit 2. */
export function checkName(bucket: string, key?: string): void {
  rethrow(
    () => validateBucketName(bucket),
    `invalid bucket name "${bucket}"`,
    'bucket names are 3-63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit',
  );
  if (key !== undefined && key !== '') {
    rethrow(() => validateObjectKey(key), `invalid object key "${key}"`, 'keys are 1-1023 bytes of UTF-8 and must not start with "/" or "\\"');
  }
}

function rethrow(check: () => unknown, what: string, hint: string): void {
  try {
    check();
  } catch (err) {
    if (err instanceof OssupError) throw new UsageError(`${what}: ${err.message}`, hint);
    throw err;
  }
}
