// Readings of a request that older official SDKs signed differently from how they sent it. Tried only after the
// signature fails as received (OSS-PROTOCOL.md §5, "Signing quirks of older SDKs"):
// - a raw `+` in the path: Go SDK releases before 2017-08 (1.5.0, still shipped by Debian) query-escape the key,
//   so a space travels as `+` while the signature covers the space. `+` stays `+` unless only the space verifies.
// - a sub-resource sent but not signed: the same releases sign GetObjectMeta as plain `/bucket/key`, and the v2
//   SDKs (Go, Python) leave `accessmonitor` and `regions` out of their V1 CanonicalizedResource.
import { percentDecode } from '../core/encode.js';
import type { OssRequest } from './request.js';

/** Sub-resources some official SDK sends without signing them (V1). */
const UNSIGNED_BY_SOME_SDKS = new Set(['objectMeta', 'accessmonitor', 'regions']);

export interface SigningVariant {
  /** The request as the client may have signed it. */
  req: OssRequest;
  /** Makes the variant's reading the request's own (called once it verifies). */
  adopt(): void;
}

export function signingVariants(req: OssRequest): SigningVariant[] {
  const keys: Array<string | undefined> = [req.key];
  if (req.rawKey?.includes('+')) {
    try {
      const spaced = percentDecode(req.rawKey, true);
      if (spaced !== req.key) keys.push(spaced);
    } catch {
      // undecodable paths were refused before authentication
    }
  }
  const queries = [req.query];
  if (req.query.some(([k]) => UNSIGNED_BY_SOME_SDKS.has(k)))
    queries.push(req.query.filter(([k]) => !UNSIGNED_BY_SOME_SDKS.has(k)));
  const out: SigningVariant[] = [];
  for (const key of keys) {
    for (const query of queries) {
      if (key === req.key && query === req.query) continue;
      const alt: OssRequest = { ...req, query };
      if (key !== undefined) alt.key = key;
      out.push({
        req: alt,
        adopt: () => {
          if (key !== undefined) req.key = key;
        },
      });
    }
  }
  return out;
}
