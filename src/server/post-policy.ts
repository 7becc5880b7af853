// PostObject authentication and policy (OSS-PROTOCOL-2.md §2): the form's V1 or V4 signature over the policy,
// then the policy's expiration and conditions against the form fields. Pure functions over the collected fields.
import { HEADERS, SIGNING } from '../core/dialect.js';
import { createHmac } from 'node:crypto';
import type { Credentials } from '../core/canonical.js';
import { constantTimeEqual } from '../core/canonical.js';
import { signingKeyV4, V4_ALGORITHM } from '../core/sign-v4.js';
import { ErrorReply } from './errors.js';

/** Form fields by lower-case name (names match case-insensitively; values are case-sensitive). */
export type FormFields = Map<string, string>;

export interface Policy {
  expiration: number;
  conditions: unknown[];
}

function policyFailed(detail: string): ErrorReply {
  return new ErrorReply('AccessDenied', {}, { message: `Invalid according to Policy: ${detail}` });
}

/**
 * The key pair the form is signed with, or null for an unsigned form (only a public-read-write bucket takes it).
 * V1: OSSAccessKeyId + policy + Signature (all or none). V4: x-oss-signature-version + x-oss-credential +
 * x-oss-date + x-oss-signature + policy.
 */
export function verifyForm(f: FormFields, keys: Credentials[], now: number): Credentials | null {
  const find = (id: string) => keys.find((k) => k.accessKeyId === id);
  const token = f.get(HEADERS.securityToken);
  const checkToken = (c: Credentials): Credentials => {
    if (c.securityToken === undefined ? token : token !== c.securityToken) {
      throw new ErrorReply('InvalidSecurityToken', { OSSAccessKeyId: c.accessKeyId });
    }
    return c;
  };
  if (f.has(HEADERS.signatureVersion) || f.has(HEADERS.signature)) {
    if (f.get(HEADERS.signatureVersion) !== V4_ALGORITHM)
      throw new ErrorReply('InvalidArgument', {}, { message: `x-oss-signature-version must be ${V4_ALGORITHM}.` });
    const [id, day, region, service, terminal] = (f.get(HEADERS.credential) ?? '').split('/');
    const date = f.get(HEADERS.date) ?? '';
    const policy = f.get('policy');
    if (
      !id ||
      !day ||
      !region ||
      service !== SIGNING.v4Service ||
      terminal !== SIGNING.v4Terminator ||
      !/^\d{8}T\d{6}Z$/.test(date) ||
      !policy
    ) {
      throw new ErrorReply(
        'InvalidArgument',
        {},
        {
          message:
            'A V4 form needs policy, x-oss-credential (<AK>/<YYYYMMDD>/<region>/oss/aliyun_v4_request), x-oss-date and x-oss-signature.',
        },
      );
    }
    const at = Date.UTC(
      +date.slice(0, 4),
      +date.slice(4, 6) - 1,
      +date.slice(6, 8),
      +date.slice(9, 11),
      +date.slice(11, 13),
      +date.slice(13, 15),
    );
    if (Math.abs(now - at) > 15 * 60 * 1000) throw new ErrorReply('RequestTimeTooSkewed', { RequestTime: date });
    const creds = find(id);
    if (!creds) throw new ErrorReply('InvalidAccessKeyId', { OSSAccessKeyId: id });
    const expected =
      day === date.slice(0, 8)
        ? createHmac('sha256', signingKeyV4(creds.accessKeySecret, day, region))
            .update(policy)
            .digest('hex')
        : '';
    if (!constantTimeEqual(expected, f.get(HEADERS.signature) ?? ''))
      throw new ErrorReply('SignatureDoesNotMatch', { StringToSign: policy, OSSAccessKeyId: id });
    return checkToken(creds);
  }
  const present = ['ossaccesskeyid', 'policy', 'signature'].filter((n) => f.has(n));
  if (present.length === 0) return null;
  if (present.length < 3) {
    throw new ErrorReply(
      'InvalidArgument',
      {},
      { message: 'OSSAccessKeyId, policy and Signature must all be present, or none of them.' },
    );
  }
  const id = f.get('ossaccesskeyid')!;
  const creds = find(id);
  if (!creds) throw new ErrorReply('InvalidAccessKeyId', { OSSAccessKeyId: id });
  const expected = createHmac('sha1', creds.accessKeySecret).update(f.get('policy')!).digest('base64');
  if (!constantTimeEqual(expected, f.get('signature')!))
    throw new ErrorReply('SignatureDoesNotMatch', { StringToSign: f.get('policy')!, OSSAccessKeyId: id });
  return checkToken(creds);
}

export function parsePolicy(base64: string): Policy {
  let doc: { expiration?: unknown; conditions?: unknown };
  try {
    doc = JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as typeof doc;
  } catch {
    throw new ErrorReply(
      'InvalidPolicyDocument',
      {},
      { message: 'Invalid Policy: the policy is not base64 of a JSON document.' },
    );
  }
  if (typeof doc?.expiration !== 'string')
    throw new ErrorReply('InvalidPolicyDocument', {}, { message: 'Invalid Policy: Policy missing expiration.' });
  const expiration = Date.parse(doc.expiration);
  if (Number.isNaN(expiration))
    throw new ErrorReply(
      'InvalidPolicyDocument',
      {},
      { message: `Invalid Policy: Invalid 'expiration' value: '${doc.expiration}'.` },
    );
  if (!Array.isArray(doc.conditions))
    throw new ErrorReply('InvalidPolicyDocument', {}, { message: 'Invalid Policy: Policy missing conditions.' });
  return { expiration, conditions: doc.conditions };
}

/** The content-length-range of a policy, checked once the file's size is known. */
export interface LengthRange {
  min: number;
  max: number;
}

/** Checks expiration and every condition but content-length-range, which it returns. */
export function checkPolicy(p: Policy, f: FormFields, now: number): LengthRange | undefined {
  if (now > p.expiration) throw policyFailed('Policy expired.');
  let range: LengthRange | undefined;
  const field = (name: unknown): string => {
    if (typeof name !== 'string' || !name.startsWith('$'))
      throw new ErrorReply(
        'InvalidPolicyDocument',
        {},
        { message: `Invalid Policy: field name "${String(name)}" must start with "$".` },
      );
    return f.get(name.slice(1).toLowerCase()) ?? '';
  };
  for (const c of p.conditions) {
    if (c && typeof c === 'object' && !Array.isArray(c)) {
      const entries = Object.entries(c as Record<string, unknown>);
      if (entries.length !== 1 || typeof entries[0]![1] !== 'string') throw new ErrorReply('InvalidPolicyDocument');
      const [name, want] = entries[0] as [string, string];
      if ((f.get(name.toLowerCase()) ?? '') !== want)
        throw policyFailed(`Policy Condition failed: ["eq", "$${name}", "${want}"]`);
      continue;
    }
    if (!Array.isArray(c) || typeof c[0] !== 'string')
      throw new ErrorReply(
        'InvalidPolicyDocument',
        {},
        { message: `Invalid Policy: unknown condition ${JSON.stringify(c)}.` },
      );
    const op = c[0].toLowerCase();
    if (op === 'content-length-range') {
      const [min, max] = [Number(c[1]), Number(c[2])];
      if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || min > max)
        throw new ErrorReply(
          'InvalidPolicyDocument',
          {},
          { message: 'Invalid Policy: content-length-range needs two integers, min <= max.' },
        );
      range = { min, max };
    } else if (op === 'eq' || op === 'starts-with') {
      const value = field(c[1]);
      const want = String(c[2] ?? '');
      if (op === 'eq' ? value !== want : !value.startsWith(want))
        throw policyFailed(`Policy Condition failed: ${JSON.stringify(c)}`);
    } else if (op === 'in' || op === 'not-in') {
      if (!Array.isArray(c[2]))
        throw new ErrorReply('InvalidPolicyDocument', {}, { message: `Invalid Policy: "${op}" needs a list.` });
      const inList = (c[2] as unknown[]).map(String).includes(field(c[1]));
      if (inList !== (op === 'in')) throw policyFailed(`Policy Condition failed: ${JSON.stringify(c)}`);
    } else {
      throw new ErrorReply('InvalidPolicyDocument', {}, { message: `Invalid Policy: unknown condition "${c[0]}".` });
    }
  }
  return range;
}
