// `ossup cors set|get|rm oss://bucket`: a bucket's CORS rules, with `set` defaulting to what a browser uploader
// needs (core/xml-cors.ts), so a dev origin is one command away from uploading straight to the bucket.
import { ServiceError } from '../../core/errors.js';
import { type CorsConfig, type CorsRule, uploaderCorsRule } from '../../core/xml-cors.js';
import { doing, EXIT_OK } from '../exit.js';
import { jsonLine } from '../json.js';
import { type CommonOptions, wholeNumberFlag } from '../options.js';
import { withSession, type Io } from '../session.js';
import { shownLines } from '../shown.js';
import { UsageError } from '../usage-error.js';
import { bucketOnly } from './mutate.js';

export interface CorsSetFlags extends CommonOptions {
  origin?: string[];
  methods?: string;
  headers?: string;
  expose?: string;
  maxAge?: string;
}

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

/** A comma-separated flag value as a list (empty items dropped); undefined when the flag was not given. */
function list(flag: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag} "${text}" names nothing; give a comma-separated list`);
  return items;
}

/** An origin as a browser sends it: `*`, or scheme://host[:port] with at most one `*` (no path, no slash). */
function checkOrigin(origin: string): string {
  if (origin === '*') return origin;
  const wildcards = (origin.match(/\*/g) ?? []).length;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]+)(\/?)$/i.exec(origin);
  if (!m || wildcards > 1) {
    throw new UsageError(
      `--origin "${origin}" is not an origin`,
      "an origin is scheme://host[:port] as the page's address bar shows it, e.g. http://localhost:5173 (or * for any)",
    );
  }
  if (m[3]) {
    throw new UsageError(
      `--origin "${origin}" ends in "/": a browser sends its Origin without one, so the rule would never match`,
      `write --origin ${origin.slice(0, -1)}`,
    );
  }
  return origin;
}

/** The rule `set` writes: the uploader rule for the origins, with what the flags change. */
export function ruleFromFlags(flags: CorsSetFlags): CorsRule {
  const origins = flags.origin ?? [];
  if (origins.length === 0)
    throw new UsageError('cors set needs --origin', 'e.g. ossup cors set oss://bucket --origin http://localhost:5173');
  const rule = uploaderCorsRule(origins.map(checkOrigin));
  const methods = list('--methods', flags.methods)?.map((m) => m.toUpperCase());
  for (const m of methods ?? [])
    if (!METHODS.includes(m)) throw new UsageError(`--methods: "${m}" is not one of ${METHODS.join(', ')}`);
  if (methods) rule.allowedMethods = [...new Set(methods)];
  const headers = list('--headers', flags.headers);
  if (headers) rule.allowedHeaders = headers.map((h) => h.toLowerCase());
  const expose = list('--expose', flags.expose);
  for (const h of expose ?? [])
    if (h.includes('*')) throw new UsageError(`--expose: "${h}" cannot hold a wildcard; name each header`);
  if (expose) rule.exposeHeaders = expose;
  if (flags.maxAge !== undefined)
    rule.maxAgeSeconds = wholeNumberFlag('--max-age', flags.maxAge, 0, 2 ** 31 - 1, 'seconds');
  return rule;
}

/** `--json` form of one rule: the OSS element names' meaning, camelCase as elsewhere in ossup's JSON. */
function ruleJson(r: CorsRule) {
  return {
    allowedOrigins: r.allowedOrigins,
    allowedMethods: r.allowedMethods,
    allowedHeaders: r.allowedHeaders,
    exposeHeaders: r.exposeHeaders,
    maxAgeSeconds: r.maxAgeSeconds ?? null,
  };
}

function describe(bucket: string, c: CorsConfig): string {
  if (c.rules.length === 0) return `oss://${bucket}: no CORS rules (browsers on other origins are refused)`;
  const lines = [`oss://${bucket}: ${c.rules.length} CORS rule${c.rules.length === 1 ? '' : 's'}`];
  c.rules.forEach((r, i) => {
    lines.push(`rule ${i + 1}`);
    lines.push(`  origins:  ${r.allowedOrigins.join(' ')}`);
    lines.push(`  methods:  ${r.allowedMethods.join(', ')}`);
    lines.push(`  headers:  ${r.allowedHeaders.join(', ') || '(none)'}`);
    lines.push(`  expose:   ${r.exposeHeaders.join(', ') || '(none)'}`);
    lines.push(`  max-age:  ${r.maxAgeSeconds === undefined ? '(unset)' : `${r.maxAgeSeconds}s`}`);
  });
  if (c.responseVary) lines.push('Vary: Origin on every response');
  return lines.join('\n');
}

function print(io: Io, flags: CommonOptions, bucket: string, c: CorsConfig): number {
  if (flags.json) {
    io.stdout.write(jsonLine({ bucket, rules: c.rules.map(ruleJson), responseVary: c.responseVary }));
  } else if (!flags.quiet) {
    io.stdout.write(`${shownLines(describe(bucket, c))}\n`);
  }
  return EXIT_OK;
}

/** The bucket's rules; none (404 NoSuchCORSConfiguration) is an empty list, not a failure. */
async function readRules(get: () => Promise<CorsConfig>): Promise<CorsConfig> {
  try {
    return await get();
  } catch (err) {
    if (err instanceof ServiceError && err.code === 'NoSuchCORSConfiguration')
      return { rules: [], responseVary: false };
    throw err;
  }
}

/** `ossup cors set oss://bucket --origin ...`: replaces the bucket's rules with one, then prints what is stored. */
export async function corsSetCommand(url: string, flags: CorsSetFlags, io: Io): Promise<number> {
  const bucket = bucketOnly(url, 'cors set');
  const rule = ruleFromFlags(flags);
  return withSession(flags, io, (s) =>
    doing(`setting the CORS rules of oss://${bucket}`, bucket, async () => {
      await s.client.putBucketCors(bucket, [rule]);
      return print(io, flags, bucket, await readRules(() => s.client.getBucketCors(bucket)));
    }),
  );
}

export async function corsGetCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const bucket = bucketOnly(url, 'cors get');
  return withSession(flags, io, (s) =>
    doing(`reading the CORS rules of oss://${bucket}`, bucket, async () =>
      print(io, flags, bucket, await readRules(() => s.client.getBucketCors(bucket))),
    ),
  );
}

export async function corsRmCommand(url: string, flags: CommonOptions, io: Io): Promise<number> {
  const bucket = bucketOnly(url, 'cors rm');
  return withSession(flags, io, (s) =>
    doing(`removing the CORS rules of oss://${bucket}`, bucket, async () => {
      await s.client.deleteBucketCors(bucket);
      return print(io, flags, bucket, { rules: [], responseVary: false });
    }),
  );
}
