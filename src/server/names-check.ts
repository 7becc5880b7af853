// Bucket and key validation as the server applies it: core's rules (shared with the client, so both ends
// refuse the same names), mapped to OSS error codes. Keys are never file paths here (the store hashes them);
// refusing NUL and '.'/'..' segments is about what clients can round-trip, not about the server's safety.
import { validateBucketName, validateObjectKey as keyProblem } from '../core/names.js';
import { ErrorReply } from './errors.js';

export function isValidBucketName(name: string): boolean {
  return validateBucketName(name) === null;
}

/** Throws InvalidObjectName (an ErrorReply) for a key core's validateObjectKey finds a problem with. */
export function requireValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== null) {
    throw new ErrorReply(
      'InvalidObjectName',
      { Key: key.replace(/\0/g, '\\0').slice(0, 1100) },
      { message: `The specified object is not valid: ${problem}.` },
    );
  }
}
