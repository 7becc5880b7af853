/**
 * Object tagging: the <Tagging> document of Put/GetObjectTagging and the `x-oss-tagging` header form
 * (`k1=v1&k2=v2`, URL-encoded), shared by the client and the embedded server.
 */
import { XmlError } from './errors.js';
import { buildXml, listOf, objectOf, parseXml, requireText, rootOf, textOf } from './xml-core.js';

/** Tags in the order given; keys are unique. */
export type TagSet = Array<[string, string]>;

/** Builds `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>`. */
export function buildTagging(tags: TagSet): string {
  return buildXml('Tagging', { TagSet: { Tag: tags.map(([Key, Value]) => ({ Key, Value })) } });
}

/** Parses a <Tagging> document; an absent or empty TagSet is no tags. */
export function parseTagging(text: string): TagSet {
  const root = rootOf(parseXml(text), 'Tagging');
  if (root.TagSet !== undefined && typeof root.TagSet !== 'string' && objectOf(root, 'TagSet') === undefined) {
    throw new XmlError('<TagSet> must appear once');
  }
  const set = objectOf(root, 'TagSet');
  return (set ? listOf(set, 'Tag') : []).map((t) => [requireText(t, 'Key', 'Tag'), textOf(t, 'Value') ?? '']);
}

/** The `x-oss-tagging` header value of a tag set (form encoding, spaces as %20). */
export function formatTagHeader(tags: TagSet): string {
  return tags.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** Parses `k1=v1&k2` (a pair without `=` has the empty value); XmlError-free: throws TypeError on bad syntax. */
export function parseTagHeader(header: string): TagSet {
  if (header === '') return [];
  return header.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    if (v.includes('=')) throw new TypeError(`tag "${pair}" has more than one "="`);
    return [decodeURIComponent(k.replace(/\+/g, ' ')), decodeURIComponent(v.replace(/\+/g, ' '))];
  });
}
