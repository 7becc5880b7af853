// Lifecycle configuration (OSS-PROTOCOL-2.md §7): parsed, validated, stored as JSON, rebuilt as XML.
// In OSS the rule's Prefix sits in <Rule>; <Filter> holds only exclusions (Not) and size bounds.
import { buildXml, parseXml, rootOf, type XmlObject } from '../core/xml-core.js';
import { ErrorReply } from './errors.js';
import { invalid, objects, texts } from './handlers/cors.js';

export interface DaysOrDate {
  days?: number;
  createdBeforeDate?: string;
}

export interface LifecycleRule {
  id: string;
  prefix: string;
  enabled: boolean;
  expiration?: DaysOrDate & { expiredObjectDeleteMarker?: boolean };
  abortMultipartUpload?: DaysOrDate;
  transitions: Array<DaysOrDate & { storageClass: string }>;
  tags: Array<[string, string]>;
  filter?: { sizeGreaterThan?: number; sizeLessThan?: number; notPrefix?: string; notTags: Array<[string, string]> };
}

const TRANSITION_CLASSES = ['IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];

function child(obj: XmlObject, name: string): XmlObject | undefined {
  const v = obj[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new ErrorReply('MalformedXML', {}, { message: `<${name}> appears more than once.` });
  return typeof v === 'object' ? v : {};
}

function daysOrDate(obj: XmlObject, what: string, optional = false): DaysOrDate {
  const days = texts(obj, 'Days')[0];
  const date = texts(obj, 'CreatedBeforeDate')[0] ?? texts(obj, 'Date')[0];
  if ((days === undefined) === (date === undefined)) {
    if (optional && days === undefined) return {};
    throw invalid(`${what} needs exactly one of Days and CreatedBeforeDate.`);
  }
  if (days !== undefined) {
    if (!/^[1-9]\d{0,5}$/.test(days)) throw invalid(`${what} Days must be a positive integer, got "${days}".`);
    return { days: Number(days) };
  }
  if (!/^\d{4}-\d{2}-\d{2}T00:00:00(\.000)?Z$/.test(date!) || Number.isNaN(Date.parse(date!))) {
    throw invalid(
      `${what} CreatedBeforeDate must be midnight UTC in ISO 8601 (2024-01-01T00:00:00.000Z), got "${date}".`,
    );
  }
  return { createdBeforeDate: date! };
}

function tagsOf(obj: XmlObject): Array<[string, string]> {
  return objects(obj, 'Tag').map((t) => [texts(t, 'Key')[0] ?? '', texts(t, 'Value')[0] ?? '']);
}

function sizeOf(obj: XmlObject, name: string): number | undefined {
  const v = texts(obj, name)[0];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw invalid(`${name} must be a non-negative integer.`);
  return Number(v);
}

export function parseLifecycle(text: string): LifecycleRule[] {
  let root: XmlObject;
  try {
    root = rootOf(parseXml(text), 'LifecycleConfiguration');
  } catch {
    throw new ErrorReply('MalformedXML');
  }
  const rules = objects(root, 'Rule');
  if (rules.length === 0 || rules.length > 1000)
    throw new ErrorReply('MalformedXML', {}, { message: 'A lifecycle configuration holds 1 to 1000 rules.' });
  const ids = new Set<string>();
  return rules.map((r, i): LifecycleRule => {
    const id = texts(r, 'ID')[0] || `rule-${i + 1}`;
    if (Buffer.byteLength(id) > 255) throw invalid(`Rule ID "${id.slice(0, 20)}..." is longer than 255 bytes.`);
    if (ids.has(id)) throw invalid(`Rule ID "${id}" appears more than once.`);
    ids.add(id);
    const status = texts(r, 'Status')[0];
    if (status !== 'Enabled' && status !== 'Disabled')
      throw new ErrorReply('MalformedXML', {}, { message: `Rule "${id}": Status must be Enabled or Disabled.` });
    const rule: LifecycleRule = {
      id,
      prefix: texts(r, 'Prefix')[0] ?? '',
      enabled: status === 'Enabled',
      transitions: [],
      tags: tagsOf(r),
    };
    const exp = child(r, 'Expiration');
    if (exp) {
      const marker = texts(exp, 'ExpiredObjectDeleteMarker')[0];
      if (marker !== undefined) {
        if (texts(exp, 'Days').length || texts(exp, 'CreatedBeforeDate').length)
          throw invalid(`Rule "${id}": ExpiredObjectDeleteMarker excludes Days and CreatedBeforeDate.`);
        rule.expiration = { expiredObjectDeleteMarker: marker === 'true' };
      } else {
        rule.expiration = daysOrDate(exp, `Rule "${id}" Expiration`);
      }
    }
    const abort = child(r, 'AbortMultipartUpload');
    if (abort) rule.abortMultipartUpload = daysOrDate(abort, `Rule "${id}" AbortMultipartUpload`);
    for (const t of objects(r, 'Transition')) {
      const sc = texts(t, 'StorageClass')[0] ?? '';
      if (!TRANSITION_CLASSES.includes(sc))
        throw invalid(`Rule "${id}": Transition StorageClass must be one of ${TRANSITION_CLASSES.join(', ')}.`);
      const when = daysOrDate(t, `Rule "${id}" Transition`);
      if (rule.expiration?.days !== undefined && when.days !== undefined && when.days >= rule.expiration.days) {
        throw invalid(`Rule "${id}": Expiration must come after every Transition.`);
      }
      rule.transitions.push({ ...when, storageClass: sc });
    }
    const filter = child(r, 'Filter');
    if (filter) {
      const not = child(filter, 'Not');
      rule.filter = { notTags: not ? tagsOf(not) : [] };
      const gt = sizeOf(filter, 'ObjectSizeGreaterThan');
      const lt = sizeOf(filter, 'ObjectSizeLessThan');
      if (gt !== undefined) rule.filter.sizeGreaterThan = gt;
      if (lt !== undefined) rule.filter.sizeLessThan = lt;
      const np = not ? texts(not, 'Prefix')[0] : undefined;
      if (np !== undefined) rule.filter.notPrefix = np;
    }
    if (!rule.expiration && !rule.abortMultipartUpload && rule.transitions.length === 0) {
      throw invalid(`Rule "${id}" has no action (Expiration, Transition or AbortMultipartUpload).`);
    }
    return rule;
  });
}

const when = (d: DaysOrDate) => (d.days !== undefined ? { Days: d.days } : { CreatedBeforeDate: d.createdBeforeDate });
const tagXml = (tags: Array<[string, string]>) => tags.map(([Key, Value]) => ({ Key, Value }));

export function buildLifecycle(rules: LifecycleRule[]): string {
  return buildXml('LifecycleConfiguration', {
    Rule: rules.map((r) => ({
      ID: r.id,
      Prefix: r.prefix,
      Status: r.enabled ? 'Enabled' : 'Disabled',
      Expiration: r.expiration
        ? r.expiration.expiredObjectDeleteMarker !== undefined
          ? { ExpiredObjectDeleteMarker: r.expiration.expiredObjectDeleteMarker }
          : when(r.expiration)
        : undefined,
      Transition: r.transitions.map((t) => ({ ...when(t), StorageClass: t.storageClass })),
      AbortMultipartUpload: r.abortMultipartUpload ? when(r.abortMultipartUpload) : undefined,
      Tag: tagXml(r.tags),
      Filter: r.filter
        ? {
            Not:
              r.filter.notPrefix !== undefined || r.filter.notTags.length
                ? { Prefix: r.filter.notPrefix, Tag: tagXml(r.filter.notTags) }
                : undefined,
            ObjectSizeGreaterThan: r.filter.sizeGreaterThan,
            ObjectSizeLessThan: r.filter.sizeLessThan,
          }
        : undefined,
    })),
  });
}

/** True when `d` (days after `since`, or a creation date) has come at `now`. */
export function due(d: DaysOrDate, since: number, now: number): boolean {
  if (d.days !== undefined) return since + d.days * 86_400_000 <= now;
  return d.createdBeforeDate !== undefined && since < Date.parse(d.createdBeforeDate);
}
