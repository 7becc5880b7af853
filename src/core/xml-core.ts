/**
 * XML engine shared by every OSS document: parsing on fast-xml-parser with the settings OSS needs, a small
 * deterministic builder, and typed accessors. The typed documents live in xml-*.ts and are re-exported by
 * xml.ts, which is what other modules import.
 */
import { createRequire } from 'node:module';
import { XmlError } from './errors.js';

// fast-xml-parser's CommonJS build is one bundled file; its ES build is dozens of small modules that took ~65 ms
// of every ossup process's start-up to load (against ~10 ms), a fifth of a short command's whole run. Even that
// file is loaded with the first document parsed: a PutObject or GetObject that succeeds has no XML to read.
type FastXml = typeof import('fast-xml-parser');
let loaded: { parser: InstanceType<FastXml['XMLParser']>; validator: FastXml['XMLValidator'] } | undefined;

/** A parsed element: text, a child map, or (for repeatable elements) a list. */
export type XmlNode = string | XmlObject | XmlNode[];
/** A parsed element with children. */
export interface XmlObject {
  [name: string]: XmlNode;
}

/** A value buildXml accepts: arrays repeat the element, null/undefined omit it. */
export type XmlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | XmlValue[]
  | { [name: string]: XmlValue };

/** Element paths that may repeat: they always parse as arrays, even with one member. */
export const REPEATABLE: ReadonlySet<string> = new Set([
  'CompleteMultipartUpload.Part',
  'ListPartsResult.Part',
  'ListMultipartUploadsResult.Upload',
  'ListMultipartUploadsResult.CommonPrefixes',
  'ListBucketResult.Contents',
  'ListBucketResult.CommonPrefixes',
  'ListAllMyBucketsResult.Buckets.Bucket',
  'Delete.Object',
  'DeleteResult.Deleted',
  'Tagging.TagSet.Tag',
]);

function fastXml(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const { XMLParser, XMLValidator } = createRequire(import.meta.url)('fast-xml-parser') as FastXml;
  loaded = { parser: new XMLParser(PARSER_OPTIONS), validator: XMLValidator };
  return loaded;
}

const PARSER_OPTIONS: ConstructorParameters<FastXml['XMLParser']>[0] = {
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Keys such as "0123", ETags and sizes must stay exactly as sent: no number/boolean conversion.
  parseTagValue: false,
  // A key may begin or end with spaces; trimming would silently change it.
  trimValues: false,
  // References are decoded here, in one pass (decodeReferences): the parser's own decoding drops references to
  // control characters (`&#01;`, which the official SDKs write for such bytes in keys), silently changing a key.
  processEntities: false,
  htmlEntities: false,
  tagValueProcessor: (_name, value) => decodeReferences(value),
  isArray: (_name, jpath) => REPEATABLE.has(String(jpath)),
};

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Element text with XML's five predefined entities and every numeric character reference decoded (`&#34;` from
 * Go's encoder, `&#01;` and `&#x1F;` for control characters). Another named entity has no meaning without a
 * DTD (refused with them): XmlError rather than a key that differs from the one the client meant.
 */
export function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);/g, (whole, ref: string) => {
    if (ref[0] !== '#') {
      const c = PREDEFINED[ref];
      if (c === undefined) throw new XmlError(`unknown entity ${whole}`);
      return c;
    }
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      throw new XmlError(`character reference ${whole} names no character`);
    return String.fromCodePoint(code);
  });
}

/**
 * Parses an OSS XML document. Throws XmlError when it is not well-formed or declares a DOCTYPE (OSS
 * documents never do, and refusing them removes entity-expansion attacks on the server).
 */
export function parseXml(text: string): XmlObject {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('XML with a DOCTYPE or ENTITY declaration is not accepted');
  const { parser, validator } = fastXml();
  const verdict = validator.validate(text);
  if (verdict !== true) {
    throw new XmlError(`malformed XML: ${verdict.err.msg} (line ${verdict.err.line}, col ${verdict.err.col})`);
  }
  const doc = parser.parse(text) as unknown;
  if (doc === null || typeof doc !== 'object' || Object.keys(doc).length === 0)
    throw new XmlError('empty XML document');
  return doc as XmlObject;
}

/** The root element's children, checking its name. */
export function rootOf(doc: XmlObject, rootName: string): XmlObject {
  const root = doc[rootName];
  if (root === undefined) throw new XmlError(`expected a <${rootName}> document, got <${Object.keys(doc).join(', ')}>`);
  return typeof root === 'object' && !Array.isArray(root) ? root : {};
}

/**
 * Escapes text for element content: & < > " ' always, and CR as &#13; so it survives (a parser normalises a
 * raw CR away). Other C0 controls are written as numeric references to keep the output well-formed, but
 * XML 1.0 cannot really carry them and parsers drop them: keys with such characters need encoding-type=url.
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

function buildElement(name: string, value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => buildElement(name, v)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => buildElement(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** Builds `<?xml ...?>` + `<rootName>…</rootName>`, children in the object's key order. */
export function buildXml(rootName: string, object: { [name: string]: XmlValue }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${buildElement(rootName, object)}`;
}

/** Text of child `name`, or undefined when absent. An element with children is not text: XmlError. */
export function textOf(obj: XmlObject, name: string): string | undefined {
  const v = obj[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) throw new XmlError(`<${name}> appears more than once`);
  // Only whitespace between tags: treat as empty text.
  const keys = Object.keys(v);
  if (keys.length === 0 || (keys.length === 1 && keys[0] === '#text'))
    return typeof v['#text'] === 'string' ? v['#text'] : '';
  throw new XmlError(`<${name}> has child elements where text was expected`);
}

/** Text of a required child. */
export function requireText(obj: XmlObject, name: string, context: string): string {
  const v = textOf(obj, name);
  if (v === undefined) throw new XmlError(`<${context}> lacks <${name}>`);
  return v;
}

/** A non-negative decimal integer child; undefined when absent. */
export function intOf(obj: XmlObject, name: string): number | undefined {
  const v = textOf(obj, name);
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^[0-9]{1,16}$/.test(t)) throw new XmlError(`<${name}> is not a non-negative integer: ${JSON.stringify(v)}`);
  return Number(t);
}

/** A boolean child ('true' / 'false'); undefined when absent. */
export function boolOf(obj: XmlObject, name: string): boolean | undefined {
  const v = textOf(obj, name);
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  if (t !== 'true' && t !== 'false') throw new XmlError(`<${name}> is not a boolean: ${JSON.stringify(v)}`);
  return t === 'true';
}

/** Every text child named `name` (absent -> [], one or many), trimmed; an element child reads as ''. */
export function textsOf(obj: XmlObject, name: string): string[] {
  const v = obj[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? x.trim() : ''));
}

/** Child elements as a list of objects (absent -> []). */
export function listOf(obj: XmlObject, name: string): XmlObject[] {
  const v = obj[name];
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item) => (typeof item === 'object' && !Array.isArray(item) ? item : {}));
}

/** A child element with children (absent or text-only -> undefined). */
export function objectOf(obj: XmlObject, name: string): XmlObject | undefined {
  const v = obj[name];
  return typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}
