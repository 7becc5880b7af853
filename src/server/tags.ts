// Object tag rules (OSS-PROTOCOL-2.md §4): at most 10 tags, unique keys, key 1..128 bytes, value 0..256 bytes,
// letters, digits, space and `+ - = . _ : /` only. One InvalidTag 400 for every violation, naming it.
import { HEADERS } from '../core/dialect.js';
import { formatTagHeader, parseTagHeader, type TagSet } from '../core/xml-tagging.js';
import { ErrorReply } from './errors.js';

const ALLOWED = /^[\p{L}\p{N} +\-=._:/]*$/u;

/** The limits of a tag set: objects take 10 tags of 128/256 bytes in a narrow alphabet, buckets 20 of 64/128. */
export interface TagLimits {
  what: 'object' | 'bucket';
  count: number;
  keyBytes: number;
  valueBytes: number;
  /** Only letters, digits, space and `+ - = . _ : /`. */
  narrow: boolean;
}

const OBJECT_TAGS: TagLimits = { what: 'object', count: 10, keyBytes: 128, valueBytes: 256, narrow: true };

export function validateTags(tags: TagSet, limits: TagLimits = OBJECT_TAGS): TagSet {
  const fail = (message: string) => new ErrorReply('InvalidTag', {}, { message });
  if (tags.length > limits.count) throw fail(`At most ${limits.count} tags per ${limits.what}; got ${tags.length}.`);
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (seen.has(k)) throw fail(`Tag key "${k}" appears more than once.`);
    seen.add(k);
    if (Buffer.byteLength(k) < 1 || Buffer.byteLength(k) > limits.keyBytes)
      throw fail(`Tag key "${k}" must be 1 to ${limits.keyBytes} bytes.`);
    if (Buffer.byteLength(v) > limits.valueBytes)
      throw fail(`Tag value of "${k}" must be at most ${limits.valueBytes} bytes.`);
    if (limits.narrow && (!ALLOWED.test(k) || !ALLOWED.test(v)))
      throw fail(`Tag "${k}" holds a character other than letters, digits, space and + - = . _ : /.`);
  }
  return tags;
}

/** The x-oss-tagging header of Put/Initiate/Copy/Append, validated and stored in one canonical form. */
export function tagHeaderToStored(header: string): string {
  let tags: TagSet;
  try {
    tags = parseTagHeader(header);
  } catch {
    throw new ErrorReply(
      'InvalidTag',
      { ArgumentName: HEADERS.tagging, ArgumentValue: header },
      { message: 'x-oss-tagging must be k1=v1&k2=v2.' },
    );
  }
  return formatTagHeader(validateTags(tags));
}

/** Tags of a stored record (records written before validation may hold anything parseable). */
export function storedTags(tagging: string | undefined): TagSet {
  if (!tagging) return [];
  try {
    return parseTagHeader(tagging);
  } catch {
    return [];
  }
}
