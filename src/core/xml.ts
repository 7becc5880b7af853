/**
 * Every OSS XML document both ends use. Import from here: this module re-exports the engine (xml-core.ts)
 * and the typed documents (xml-multipart.ts, xml-list.ts), and defines the error document.
 */
import { XmlError } from './errors.js';
import { buildXml, parseXml, rootOf, textOf } from './xml-core.js';

export { buildXml, escapeXml, parseXml } from './xml-core.js';
export type { XmlNode, XmlObject, XmlValue } from './xml-core.js';
export * from './xml-multipart.js';
export * from './xml-list.js';
export * from './xml-tagging.js';
export * from './xml-versions.js';

/** The <Error> document. */
export interface ErrorDocument {
  code: string;
  message: string;
  requestId: string;
  hostId: string;
  /** '' when absent. */
  ec: string;
  /** Any other elements (Key, BucketName, UploadId, ArgumentName, StringToSign, ...), by name. */
  extra: Record<string, string>;
}

const FIXED = new Set(['Code', 'Message', 'RequestId', 'HostId', 'EC']);

/** Builds an <Error> document: Code, Message, RequestId, HostId, the extra elements in order, then EC. */
export function buildErrorXml(doc: Partial<ErrorDocument> & { code: string; message: string }): string {
  const body: Record<string, string | undefined> = {
    Code: doc.code,
    Message: doc.message,
    RequestId: doc.requestId,
    HostId: doc.hostId,
  };
  for (const [k, v] of Object.entries(doc.extra ?? {})) if (!FIXED.has(k)) body[k] = v;
  body.EC = doc.ec === '' ? undefined : doc.ec;
  return buildXml('Error', body);
}

/** Parses an <Error> document; XmlError when it is not one or has no Code. */
export function parseErrorXml(text: string): ErrorDocument {
  const root = rootOf(parseXml(text), 'Error');
  const code = textOf(root, 'Code');
  if (code === undefined || code.trim() === '') throw new XmlError('<Error> lacks <Code>');
  const extra: Record<string, string> = {};
  for (const name of Object.keys(root)) {
    if (FIXED.has(name) || name === '#text') continue;
    const v = root[name];
    if (typeof v === 'string') extra[name] = v;
  }
  return {
    code: code.trim(),
    message: textOf(root, 'Message') ?? '',
    requestId: textOf(root, 'RequestId') ?? '',
    hostId: textOf(root, 'HostId') ?? '',
    ec: textOf(root, 'EC') ?? '',
    extra,
  };
}
