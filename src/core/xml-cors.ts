/**
 * CORSConfiguration (Put/GetBucketCors), read and written the same way by the client and the server, and the rule a
 * browser uploader needs. The server validates what it is given (server/handlers/cors.ts); reading here checks shape
 * only.
 */
import { buildXml, listOf, parseXml, rootOf, textsOf } from './xml-core.js';

export interface CorsRule {
  /** Origins allowed, e.g. `http://localhost:5173`; at most one `*` each (`*` alone is every origin). */
  allowedOrigins: string[];
  /** Methods allowed: GET, PUT, DELETE, POST, HEAD. */
  allowedMethods: string[];
  /** Request headers a preflight may ask for (lower-case; `*` is any). */
  allowedHeaders: string[];
  /** Response headers the page's script may read. */
  exposeHeaders: string[];
  /** How long a browser may cache the preflight's answer, in seconds. */
  maxAgeSeconds?: number;
}

export interface CorsConfig {
  /** Tried in order; the first whose origin, method and headers all match answers. At most 10. */
  rules: CorsRule[];
  /** Send `Vary: Origin` on every response (for caches in front of the bucket). */
  responseVary: boolean;
}

/** The response headers a browser uploader reads: part ETags, the CRC-64 it verifies, the request ID, the version. */
export const UPLOADER_EXPOSE_HEADERS: readonly string[] = Object.freeze([
  'ETag',
  'x-oss-hash-crc64ecma',
  'x-oss-request-id',
  'x-oss-version-id',
]);

/** The methods of every request a browser uploader (or a page reading objects back) sends. */
export const UPLOADER_METHODS: readonly string[] = Object.freeze(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);

/** Preflight cache time of the uploader rule: 10 minutes (Chromium caps it at 2 hours). */
export const UPLOADER_MAX_AGE_SECONDS = 600;

/** What a browser uploader on `origins` needs (`ossup cors set`'s default rule). */
export function uploaderCorsRule(origins: string[]): CorsRule {
  return {
    allowedOrigins: [...origins],
    allowedMethods: [...UPLOADER_METHODS],
    allowedHeaders: ['*'],
    exposeHeaders: [...UPLOADER_EXPOSE_HEADERS],
    maxAgeSeconds: UPLOADER_MAX_AGE_SECONDS,
  };
}

export function buildCorsConfiguration(c: CorsConfig): string {
  return buildXml('CORSConfiguration', {
    CORSRule: c.rules.map((r) => ({
      AllowedOrigin: r.allowedOrigins,
      AllowedMethod: r.allowedMethods,
      AllowedHeader: r.allowedHeaders,
      ExposeHeader: r.exposeHeaders,
      MaxAgeSeconds: r.maxAgeSeconds,
    })),
    ResponseVary: c.responseVary,
  });
}

/**
 * Reads a CORSConfiguration, checking its shape only: a MaxAgeSeconds that is not a whole number reads as NaN (the
 * server refuses it); a document whose root is not CORSConfiguration is an XmlError.
 */
export function parseCorsConfiguration(text: string): CorsConfig {
  const root = rootOf(parseXml(text), 'CORSConfiguration');
  const rules = listOf(root, 'CORSRule').map((r): CorsRule => {
    const rule: CorsRule = {
      allowedOrigins: textsOf(r, 'AllowedOrigin'),
      allowedMethods: textsOf(r, 'AllowedMethod'),
      allowedHeaders: textsOf(r, 'AllowedHeader'),
      exposeHeaders: textsOf(r, 'ExposeHeader'),
    };
    const age = textsOf(r, 'MaxAgeSeconds')[0];
    if (age !== undefined) rule.maxAgeSeconds = /^\d{1,15}$/.test(age) ? Number(age) : Number.NaN;
    return rule;
  });
  return { rules, responseVary: textsOf(root, 'ResponseVary')[0]?.toLowerCase() === 'true' };
}
