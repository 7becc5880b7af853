// The "sign" stage: date headers, security token and Authorization for one attempt. Runs inside the retry loop so
// every attempt carries a fresh date (corrected by the measured clock offset).
import { HEADERS } from '../core/dialect.js';
import type { Credentials, SignableRequest } from '../core/canonical.js';
import { authorizationV1, presignV1 } from '../core/sign-v1.js';
import { authorizationV4, formatV4Date, presignV4 } from '../core/sign-v4.js';

export type SignatureVersion = 'v1' | 'v4';

export interface SignInput {
  method: string;
  bucket?: string;
  key?: string;
  query: Array<[string, string]>;
  /** Lower-case names. */
  headers: Record<string, string>;
}

/** Headers to send, including date, token and Authorization. Does not mutate `input`. */
export function signHeaders(
  input: SignInput,
  creds: Credentials,
  version: SignatureVersion,
  region: string,
  date: Date,
): Record<string, string> {
  const headers: Record<string, string> = { ...input.headers };
  if (creds.securityToken) headers[HEADERS.securityToken] = creds.securityToken;
  const req: SignableRequest = {
    method: input.method,
    bucket: input.bucket,
    key: input.key,
    query: input.query,
    headers,
  };
  if (version === 'v1') {
    headers.date = date.toUTCString();
    headers.authorization = authorizationV1(req, creds);
  } else {
    headers[HEADERS.date] = formatV4Date(date);
    headers[HEADERS.contentSha256] = 'UNSIGNED-PAYLOAD';
    headers.authorization = authorizationV4(req, creds, { date, region });
  }
  return headers;
}

/** Query pairs that turn a request into a presigned URL valid for `expiresSeconds`. */
export function presignQuery(
  input: SignInput,
  creds: Credentials,
  version: SignatureVersion,
  region: string,
  date: Date,
  expiresSeconds: number,
): Array<[string, string]> {
  const req: SignableRequest = {
    method: input.method,
    bucket: input.bucket,
    key: input.key,
    query: input.query,
    headers: { ...input.headers },
  };
  if (version === 'v1') return presignV1(req, creds, Math.floor(date.getTime() / 1000) + expiresSeconds);
  return presignV4(req, creds, { date, region }, expiresSeconds);
}
