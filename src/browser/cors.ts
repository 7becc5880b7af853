// Cross-origin trouble, said once and plainly. A page reads only the response headers the bucket's CORS rule
// exposes; ETag, the CRC-64 and the request ID are none of the few a browser shows by default, and without them
// parts cannot be completed or verified. A missing rule altogether looks to fetch like a network failure.
import { OssupError } from '../core/errors.js';

/** The response headers an upload reads: each must be listed as an ExposeHeader of the bucket's CORS rule. */
export const EXPOSED_HEADERS = ['ETag', 'x-oss-hash-crc64ecma', 'x-oss-request-id'] as const;

/** The page's origin, or undefined outside a page (tests under Node). */
function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  return origin && origin !== 'null' ? origin : undefined;
}

function corsCommand(bucket: string | undefined): string {
  return `ossup cors set oss://${bucket ?? '<bucket>'} --origin ${pageOrigin() ?? '<page origin>'}`;
}

/** Appended to a network error's message: fetch cannot tell a refused CORS preflight from a dropped connection. */
export function corsHint(bucket?: string): string {
  const origin = pageOrigin();
  if (!origin) return '';
  return ` (if the network is up, the bucket's CORS rules may not allow ${origin}: see the browser console, or run ${corsCommand(bucket)})`;
}

/** The bucket's CORS rule does not expose a response header the upload needs. */
export class CorsHeadersHiddenError extends OssupError {
  /** The header names the page could not read. */
  readonly hidden: string[];

  constructor(bucket: string, hidden: string[]) {
    const origin = pageOrigin() ?? '<page origin>';
    super(
      'CorsHeadersHidden',
      `the response to this page hides ${hidden.join(', ')}: the CORS rule of bucket ${bucket} for ${origin} must list ` +
        `${EXPOSED_HEADERS.map((h) => `<ExposeHeader>${h}</ExposeHeader>`).join('')} (with AllowedMethod PUT, POST, ` +
        `GET, DELETE, HEAD and AllowedHeader *); ${corsCommand(bucket)} sets such a rule`,
    );
    this.hidden = hidden;
  }
}

/** Throws CorsHeadersHiddenError when a response that must carry every EXPOSED_HEADERS lets the page see only some. */
export function requireExposedHeaders(headers: { get(name: string): string | null }, bucket: string): void {
  const hidden = EXPOSED_HEADERS.filter((h) => headers.get(h) === null);
  if (hidden.length > 0) throw new CorsHeadersHiddenError(bucket, hidden);
}
