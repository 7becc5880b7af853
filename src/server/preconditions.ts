// Range and conditional-header semantics of GetObject (OSS-PROTOCOL.md §3). OSS's legacy behaviour answers an
// unsatisfiable or malformed range with the whole object (200); `x-oss-range-behavior: standard` opts into 416.
import { ErrorReply } from './errors.js';

export type RangeResult = { start: number; end: number } | 'whole';

export function parseRange(header: string | undefined, size: number, standard: boolean): RangeResult {
  if (header === undefined) return 'whole';
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  const invalid = (): RangeResult => {
    if (standard) throw new ErrorReply('InvalidRange', { RangeRequested: header, ActualObjectSize: String(size) });
    return 'whole';
  };
  // Not a single byte range at all (multi-range, other units): ignored, as HTTP allows.
  if (!m) return 'whole';
  if (m[1] === '' && m[2] === '') return invalid();
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return invalid();
    if (n > size) return standard ? { start: 0, end: size - 1 } : 'whole';
    return { start: size - n, end: size - 1 };
  }
  const start = Number(m[1]);
  let end = m[2] === '' ? size - 1 : Number(m[2]);
  if (start >= size || end < start) return invalid();
  if (end >= size) {
    if (!standard) return 'whole';
    end = size - 1;
  }
  return { start, end };
}

export interface Validators {
  etag: string; // upper hex, no quotes
  lastModified: number; // ms
}

/** 304 / 412 per the conditional headers, or undefined to proceed. Dates compare at one-second precision. */
export function checkConditions(
  h: Record<string, string>,
  v: Validators,
  names = {
    match: 'if-match',
    noneMatch: 'if-none-match',
    modifiedSince: 'if-modified-since',
    unmodifiedSince: 'if-unmodified-since',
  },
): 304 | 412 | undefined {
  const modified = Math.floor(v.lastModified / 1000) * 1000;
  const matches = (list: string) =>
    list.split(',').some((t) => {
      const s = t.trim();
      return s === '*' || s.replace(/^W\//, '').replace(/^"|"$/g, '').toUpperCase() === v.etag;
    });
  const ifMatch = h[names.match];
  if (ifMatch !== undefined) {
    if (!matches(ifMatch)) return 412;
  } else {
    const since = dateOf(h[names.unmodifiedSince]);
    if (since !== undefined && modified > since) return 412;
  }
  const ifNoneMatch = h[names.noneMatch];
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch)) return 304;
  } else {
    const since = dateOf(h[names.modifiedSince]);
    if (since !== undefined && modified <= since) return 304;
  }
  return undefined;
}

function dateOf(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

const WRITE_PRECONDITIONS = ['if-modified-since', 'if-unmodified-since', 'if-match', 'if-none-match'];

/**
 * OSS evaluates no HTTP preconditions on PutObject: it answers 400 NotImplemented naming the header
 * (OSS-PROTOCOL-2.md §9, OSS's own error sample). If-Match / If-None-Match get the same answer by inference.
 */
export function refuseWritePreconditions(h: Record<string, string>): void {
  for (const name of WRITE_PRECONDITIONS) {
    if (h[name] !== undefined) {
      const header = name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
      throw new ErrorReply('NotImplemented', { Header: header }, { status: 400 });
    }
  }
}
