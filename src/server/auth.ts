// Authentication: V1 and V4 signatures in header and presigned (query) form, STS tokens, clock skew and
// expiry. The server recomputes the signature with core's signers from the request as received, so client
// and server can never disagree about canonicalisation without a test failing on one side.
import { HEADERS, SIGNING } from '../core/dialect.js';
import { createHmac } from 'node:crypto';
import { constantTimeEqual, type Credentials, type SignableRequest } from '../core/canonical.js';
import { parseAuthorizationV1, presignedStringToSignV1, stringToSignV1, signatureV1 } from '../core/sign-v1.js';
import {
  canonicalRequestV4,
  normalizeAdditionalHeaders,
  parseAuthorizationV4,
  signingKeyV4,
  stringToSignV4,
  V4_ALGORITHM,
} from '../core/sign-v4.js';
import { signingVariants } from './auth-variants.js';
import { ErrorReply } from './errors.js';
import type { OssRequest } from './request.js';

export const MAX_SKEW_MS = 15 * 60 * 1000;

/** Who is asking: an accepted key, or null for an anonymous request (ACLs decide). */
export type Principal = Credentials | null;

export class Authenticator {
  private keys = new Map<string, Credentials & { expiration?: string }>();

  constructor(
    credentials: Array<Credentials & { expiration?: string }>,
    private readonly now: () => number,
  ) {
    for (const c of credentials) this.keys.set(c.accessKeyId, c);
  }

  /**
   * The principal of a signed request. When the signature fails as received, the request is re-read the way
   * older official SDKs signed it (auth-variants.ts) before SignatureDoesNotMatch is answered.
   */
  authenticate(req: OssRequest): Principal {
    try {
      return this.verify(req);
    } catch (err) {
      if (!(err instanceof ErrorReply) || err.code !== 'SignatureDoesNotMatch') throw err;
      for (const alt of signingVariants(req)) {
        try {
          const principal = this.verify(alt.req);
          alt.adopt();
          return principal;
        } catch {
          // try the next reading; the first failure is what the client sees
        }
      }
      throw err;
    }
  }

  private verify(req: OssRequest): Principal {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      if (auth.startsWith(`${SIGNING.v1Scheme} `)) return this.headerV1(req, auth);
      if (auth.startsWith(`${V4_ALGORITHM} `)) return this.headerV4(req, auth);
      throw new ErrorReply('InvalidArgument', {}, { message: 'Authorization header is invalid.' });
    }
    const names = new Set(req.query.map(([k]) => k));
    if (names.has('OSSAccessKeyId') && names.has('Signature')) return this.presignedV1(req);
    if (names.has(HEADERS.signatureVersion) || names.has(HEADERS.signature)) return this.presignedV4(req);
    return null;
  }

  private lookup(accessKeyId: string, token: string | undefined): Credentials {
    const creds = this.keys.get(accessKeyId);
    if (!creds) throw new ErrorReply('InvalidAccessKeyId', { OSSAccessKeyId: accessKeyId });
    // A token with a long-term key is no STS credential pair: OSS refuses it rather than ignore the token.
    if (creds.securityToken === undefined && token) {
      throw new ErrorReply('InvalidSecurityToken', { OSSAccessKeyId: accessKeyId });
    }
    if (creds.securityToken !== undefined && token !== creds.securityToken) {
      throw new ErrorReply(
        'AccessDenied',
        { OSSAccessKeyId: accessKeyId },
        { message: 'The security token you provided is invalid.' },
      );
    }
    if (creds.expiration !== undefined && this.now() >= Date.parse(creds.expiration)) {
      throw new ErrorReply('SecurityTokenExpired', { OSSAccessKeyId: accessKeyId, Expiration: creds.expiration });
    }
    return creds;
  }

  private checkSkew(requestMs: number): void {
    if (Number.isNaN(requestMs))
      throw new ErrorReply('AccessDenied', {}, { message: 'Invalid date format of the request.' });
    const now = this.now();
    if (Math.abs(now - requestMs) > MAX_SKEW_MS) {
      throw new ErrorReply('RequestTimeTooSkewed', {
        RequestTime: new Date(requestMs).toISOString(),
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      });
    }
  }

  private headerV1(req: OssRequest, auth: string): Credentials {
    const parsed = parseAuthorizationV1(auth);
    if (!parsed) throw new ErrorReply('InvalidArgument', {}, { message: 'Authorization header is invalid.' });
    const creds = this.lookup(parsed.accessKeyId, req.headers[HEADERS.securityToken]);
    const date = req.headers[HEADERS.date] ?? req.headers.date;
    if (date === undefined) throw new ErrorReply('AccessDenied', {}, { message: 'Missing Date Header.' });
    this.checkSkew(Date.parse(date));
    const s = signable(req, req.query, req.headers);
    verifyV1(stringToSignV1(s), creds, parsed.signature);
    return creds;
  }

  private presignedV1(req: OssRequest): Credentials {
    const get = (n: string) => req.query.find(([k]) => k === n)?.[1] ?? '';
    const creds = this.lookup(get('OSSAccessKeyId'), get('security-token') || undefined);
    const expires = Number(get('Expires'));
    if (!Number.isFinite(expires)) throw new ErrorReply('AccessDenied', {}, { message: 'Invalid Expires.' });
    if (this.now() > expires * 1000) {
      throw new ErrorReply(
        'AccessDenied',
        { Expires: new Date(expires * 1000).toISOString(), ServerTime: new Date(this.now()).toISOString() },
        { message: 'Request has expired.' },
      );
    }
    // Expires takes the Date slot; OSSAccessKeyId, Expires and Signature are not sub-resources, so unsigned.
    verifyV1(presignedStringToSignV1(signable(req, req.query, req.headers), get('Expires')), creds, get('Signature'));
    return creds;
  }

  private headerV4(req: OssRequest, auth: string): Credentials {
    const parsed = parseAuthorizationV4(auth);
    if (!parsed) throw new ErrorReply('InvalidArgument', {}, { message: 'Authorization header is invalid.' });
    const creds = this.lookup(parsed.accessKeyId, req.headers[HEADERS.securityToken]);
    const date = req.headers[HEADERS.date];
    if (date === undefined) throw new ErrorReply('AccessDenied', {}, { message: 'Missing x-oss-date header.' });
    const when = parseV4Date(date);
    this.checkSkew(when.getTime());
    checkPayloadHash(req);
    const scope = { accessKeyId: parsed.accessKeyId, day: parsed.date, region: parsed.region };
    verifyV4(signable(req, req.query, req.headers), creds, parsed.additionalHeaders, when, scope, parsed.signature);
    return creds;
  }

  private presignedV4(req: OssRequest): Credentials {
    const get = (n: string) => req.query.find(([k]) => k === n)?.[1];
    if (get(HEADERS.signatureVersion) !== V4_ALGORITHM) {
      throw new ErrorReply('InvalidArgument', {}, { message: 'Unsupported x-oss-signature-version.' });
    }
    const scope = parseScope(get(HEADERS.credential) ?? '');
    const creds = this.lookup(scope.accessKeyId, get(HEADERS.securityToken));
    const when = parseV4Date(get(HEADERS.date) ?? '');
    const expires = Number(get(HEADERS.expires));
    if (Number.isNaN(when.getTime()) || !Number.isInteger(expires) || expires < 1 || expires > 604800) {
      throw new ErrorReply('AccessDenied', {}, { message: 'Invalid x-oss-date or x-oss-expires.' });
    }
    if (this.now() > when.getTime() + expires * 1000) {
      throw new ErrorReply(
        'AccessDenied',
        { ServerTime: new Date(this.now()).toISOString() },
        { message: 'Request has expired.' },
      );
    }
    // No "not before" would let a URL dated a year ahead work now and for that year, past the 7-day cap.
    if (when.getTime() - this.now() > MAX_SKEW_MS) {
      throw new ErrorReply(
        'AccessDenied',
        { [HEADERS.date]: get(HEADERS.date) ?? '', ServerTime: new Date(this.now()).toISOString() },
        {
          message: 'Request is not valid yet: x-oss-date is more than 15 minutes in the future.',
          ec: '0002-00000235',
        },
      );
    }
    checkPayloadHash(req);
    const query = req.query.filter(([k]) => k !== HEADERS.signature);
    const additional = splitHeaders(get(HEADERS.additionalHeaders));
    verifyV4(signable(req, query, req.headers), creds, additional, when, scope, get(HEADERS.signature) ?? '');
    return creds;
  }
}

/**
 * V4 signs the literal UNSIGNED-PAYLOAD, so a body hash in x-oss-content-sha256 would be a promise nobody checks.
 * Like OSS (OSS-PROTOCOL.md, V4), refuse any other value rather than store a body that does not match it.
 */
function checkPayloadHash(req: OssRequest): void {
  const v = req.headers[HEADERS.contentSha256];
  if (v !== undefined && v !== 'UNSIGNED-PAYLOAD') {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: HEADERS.contentSha256, ArgumentValue: v },
      {
        message: 'x-oss-content-sha256 must be UNSIGNED-PAYLOAD: signed payload hashes are not supported.',
        ec: '0002-00000214',
      },
    );
  }
}

function signable(req: OssRequest, query: Array<[string, string]>, headers: Record<string, string>): SignableRequest {
  const s: SignableRequest = { method: req.method, query, headers };
  if (req.bucket !== undefined) s.bucket = req.bucket;
  if (req.key !== undefined) s.key = req.key;
  return s;
}

function verifyV1(sts: string, creds: Credentials, provided: string): void {
  if (!constantTimeEqual(signatureV1(creds.accessKeySecret, sts), provided)) {
    throw new ErrorReply('SignatureDoesNotMatch', {
      StringToSign: sts,
      StringToSignBytes: [...Buffer.from(sts)].map((b) => b.toString(16).padStart(2, '0')).join(' '),
      SignatureProvided: provided,
      OSSAccessKeyId: creds.accessKeyId,
    });
  }
}

interface Scope {
  accessKeyId: string;
  day: string;
  region: string;
}

function verifyV4(
  s: SignableRequest,
  creds: Credentials,
  additional: string[],
  when: Date,
  scope: Scope,
  provided: string,
): void {
  const canonical = canonicalRequestV4(s, normalizeAdditionalHeaders(additional, s.headers));
  // The client's scope names the region it signed for; any region is accepted, as one server plays them all.
  // A scope day other than x-oss-date's day yields a different key, hence SignatureDoesNotMatch.
  const sts = stringToSignV4(canonical, when, scope.region);
  const expected =
    scope.day === date8(when)
      ? createHmac('sha256', cachedSigningKey(creds.accessKeySecret, scope.day, scope.region))
          .update(sts, 'utf8')
          .digest('hex')
      : '';
  if (!constantTimeEqual(expected, provided)) {
    throw new ErrorReply('SignatureDoesNotMatch', {
      StringToSign: sts,
      CanonicalRequest: canonical,
      SignatureProvided: provided,
      OSSAccessKeyId: creds.accessKeyId,
    });
  }
}

/**
 * signingKeyV4 is four HMACs per request; its inputs change once a day per key and region. A few keys are kept
 * (the Map's insertion order makes the oldest the first dropped); the secret is part of the cache key, so a key
 * never outlives the credentials it came from in meaning.
 */
const signingKeys = new Map<string, Buffer>();
const SIGNING_KEYS_KEPT = 64;

function cachedSigningKey(secret: string, day: string, region: string): Buffer {
  const id = `${day}\n${region}\n${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = signingKeyV4(secret, day, region);
    if (signingKeys.size >= SIGNING_KEYS_KEPT) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(id, key);
  }
  return key;
}

function date8(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

function parseScope(credential: string): Scope {
  const parts = credential.split('/');
  if (
    parts.length !== 5 ||
    parts[3] !== SIGNING.v4Service ||
    parts[4] !== SIGNING.v4Terminator ||
    !/^\d{8}$/.test(parts[1]!)
  ) {
    throw new ErrorReply('InvalidArgument', {}, { message: `Invalid credential scope: ${credential}` });
  }
  return { accessKeyId: parts[0]!, day: parts[1]!, region: parts[2]! };
}

function parseV4Date(s: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return new Date(NaN);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

function splitHeaders(list: string | undefined): string[] {
  return list
    ? list
        .split(';')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean)
    : [];
}
