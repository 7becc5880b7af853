// Writing responses: the headers every OSS response carries, XML bodies, and error documents (in the body,
// or for HEAD, base64 in x-oss-err since a HEAD response has none).
import { HEADERS } from '../core/dialect.js';
import type { ServerResponse } from 'node:http';
import { buildErrorXml, buildXml, type XmlValue } from '../core/xml.js';
import type { ErrorReply } from './errors.js';
import type { OssRequest } from './request.js';

export function baseHeaders(res: ServerResponse, requestId: string, nowMs: number): void {
  res.setHeader(HEADERS.requestId, requestId);
  res.setHeader('Date', new Date(nowMs).toUTCString());
  res.setHeader('Server', 'AliyunOSS');
}

export function sendXml(
  res: ServerResponse,
  status: number,
  root: string,
  body: { [name: string]: XmlValue },
  headers: Record<string, string> = {},
): void {
  sendXmlText(res, status, buildXml(root, body), headers);
}

/** For documents built by core's typed builders. */
export function sendXmlText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Length': 0 });
  res.end();
}

export function errorXml(err: ErrorReply, req: Pick<OssRequest, 'id' | 'host'>): string {
  return buildErrorXml({
    code: err.code,
    message: err.message,
    requestId: req.id,
    hostId: req.host,
    ec: err.ec,
    extra: err.extra,
  });
}

export function sendError(res: ServerResponse, err: ErrorReply, req: Pick<OssRequest, 'id' | 'host' | 'method'>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Headers a handler may have set for a success response must not leak into the error.
  for (const name of res.getHeaderNames()) {
    // CORS headers stay: a browser can only read an error that carries them.
    if (
      ![HEADERS.requestId, 'date', 'server', 'connection', 'vary'].includes(name) &&
      !name.startsWith('access-control-')
    )
      res.removeHeader(name);
  }
  const text = errorXml(err, req);
  if (err.ec) res.setHeader(HEADERS.ec, err.ec);
  for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
  if (err.status === 304) {
    res.writeHead(304, { 'Content-Length': 0 });
    res.end();
    return;
  }
  if (req.method === 'HEAD') {
    res.writeHead(err.status, { [HEADERS.err]: Buffer.from(text).toString('base64'), 'Content-Length': 0 });
    res.end();
    return;
  }
  res.writeHead(err.status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
