// Endpoint parsing and request addressing: which origin and path a (bucket, key) goes to.
import { buildQueryString, encodeKeyPath } from '../core/encode.js';

export interface Endpoint {
  /** 'http:' or 'https:'. */
  protocol: string;
  /** Host name without port, lower case. */
  hostname: string;
  /** host[:port] as given. */
  host: string;
  /** Bucket in the path rather than in the host name. */
  pathStyle: boolean;
  /** The host is a custom domain bound to one bucket: no bucket in host or path. */
  cname: boolean;
  /** Region derived from an `oss-<region>` host name, if any. */
  region: string | undefined;
  /** Normalised endpoint URL (scheme://host[:port]); recorded in checkpoints. */
  url: string;
}

export interface EndpointOptions {
  /** Force path-style addressing (automatic for IPs and localhost). */
  pathStyle?: boolean;
  /** Treat the endpoint as a CNAME bound to the bucket. */
  cname?: boolean;
}

/** `oss-cn-hangzhou.aliyuncs.com` and `oss-cn-hangzhou-internal.aliyuncs.com` -> `cn-hangzhou`. */
export function regionFromHost(hostname: string): string | undefined {
  const m = /^(?:[^.]+\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/.exec(hostname);
  if (!m || m[1] === 'accelerate' || m[1] === 'accelerate-overseas') return undefined;
  return m[1];
}

/**
 * For a host name as the URL parser gives it (IPv4 in dotted decimal, IPv6 in brackets). No node:net, so the browser
 * bundle can address endpoints with the same code.
 */
export function isIpOrLocalhost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(bare) || bare.includes(':') || bare === 'localhost';
}

export function parseEndpoint(endpoint: string, opts: EndpointOptions = {}): Endpoint {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  const u = new URL(withScheme);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new TypeError(`endpoint must be http(s), got ${endpoint}`);
  const hostname = u.hostname.toLowerCase();
  return {
    protocol: u.protocol,
    hostname,
    host: u.host.toLowerCase(),
    pathStyle: !opts.cname && (opts.pathStyle ?? isIpOrLocalhost(hostname)),
    cname: opts.cname ?? false,
    region: regionFromHost(hostname),
    url: `${u.protocol}//${u.host.toLowerCase()}`,
  };
}

/** Query string from decoded pairs in order; an empty value is a bare name (`?uploads`). */
export function buildQuery(query: Array<[string, string]>): string {
  return query.length === 0 ? '' : `?${buildQueryString(query)}`;
}

/** The absolute URL for a request. */
export function requestUrl(
  ep: Endpoint,
  bucket: string | undefined,
  key: string | undefined,
  query: Array<[string, string]>,
): string {
  let host = ep.host;
  let path = '/';
  if (bucket !== undefined && !ep.cname) {
    if (ep.pathStyle) path += `${bucket}/`;
    else host = `${bucket}.${ep.host}`;
  }
  if (key !== undefined) path += encodeKeyPath(key);
  return `${ep.protocol}//${host}${path}${buildQuery(query)}`;
}
