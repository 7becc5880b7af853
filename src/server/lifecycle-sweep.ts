// Applies lifecycle rules: expires objects, moves them to colder storage classes, and aborts multipart uploads
// left behind (AbortMultipartUpload after N days), as OSS does in the background. The server runs it on a
// timer; the clock is the server's injectable `now`, so tests move time instead of waiting for it.
import { storedTags } from './tags.js';
import { due, type LifecycleRule } from './lifecycle-config.js';
import type { MultipartStore } from './store/multipart.js';
import type { MetadataStore } from './store/metadata-store.js';
import type { ObjectRecord } from './store/types.js';
import { activeWorm, isRetained } from './worm-policy.js';

const CLASS_ORDER = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];

export interface SweepReport {
  expired: number;
  transitioned: number;
  aborted: number;
}

function applies(rule: LifecycleRule, rec: Pick<ObjectRecord, 'key' | 'size' | 'tagging'>): boolean {
  if (!rule.enabled || !rec.key.startsWith(rule.prefix)) return false;
  const tags = new Map(storedTags(rec.tagging));
  if (!rule.tags.every(([k, v]) => tags.get(k) === v)) return false;
  const f = rule.filter;
  if (!f) return true;
  if (f.notPrefix !== undefined && f.notPrefix !== '' && rec.key.startsWith(f.notPrefix)) return false;
  if (f.notTags.length && f.notTags.every(([k, v]) => tags.get(k) === v)) return false;
  if (f.sizeGreaterThan !== undefined && !(rec.size > f.sizeGreaterThan)) return false;
  if (f.sizeLessThan !== undefined && !(rec.size < f.sizeLessThan)) return false;
  return true;
}

export async function sweepLifecycle(
  store: MetadataStore,
  multipart: MultipartStore,
  now: number,
): Promise<SweepReport> {
  const report: SweepReport = { expired: 0, transitioned: 0, aborted: 0 };
  const configs = store.configs;
  for (const bucket of await configs.bucketsWith('lifecycle')) {
    const rules = (await configs.get<LifecycleRule[]>(bucket, 'lifecycle')) ?? [];
    const aborts = rules.filter((r) => r.enabled && r.abortMultipartUpload);
    if (aborts.length) {
      for (const up of await multipart.listUploads(bucket)) {
        if (aborts.some((r) => up.key.startsWith(r.prefix) && due(r.abortMultipartUpload!, up.initiated, now))) {
          if (await multipart.abort(bucket, up.uploadId)) report.aborted++;
        }
      }
    }
    const objectRules = rules.filter(
      (r) =>
        r.enabled && ((r.expiration && r.expiration.expiredObjectDeleteMarker === undefined) || r.transitions.length),
    );
    if (!objectRules.length) continue;
    const worm = await activeWorm(configs, bucket, now);
    for (const entry of await store.bucketEntries(bucket)) {
      const rec = await store.getObject(bucket, entry.key);
      if (!rec) continue;
      const matching = objectRules.filter((r) => applies(r, rec));
      if (
        matching.some(
          (r) =>
            r.expiration &&
            r.expiration.expiredObjectDeleteMarker === undefined &&
            due(r.expiration, rec.lastModified, now),
        ) &&
        // A retained object is not expired (OSS: nothing deletes it before its retention period ends).
        !isRetained(worm, rec.lastModified, now)
      ) {
        await store.deleteObject(bucket, rec.key);
        report.expired++;
        continue;
      }
      let target = rec.storageClass;
      for (const r of matching) {
        for (const t of r.transitions) {
          if (due(t, rec.lastModified, now) && CLASS_ORDER.indexOf(t.storageClass) > CLASS_ORDER.indexOf(target))
            target = t.storageClass;
        }
      }
      if (target !== rec.storageClass) {
        // Only the class changes: bytes, ETag and Last-Modified stay.
        if (await store.updateObject(bucket, rec.key, (old) => ({ ...old, storageClass: target })))
          report.transitioned++;
      }
    }
  }
  return report;
}

/** Runs the sweep every `intervalMs` (unref'd timer, one sweep at a time); returns a stop function. */
export function startLifecycleTimer(
  run: () => Promise<unknown>,
  intervalMs: number,
  log?: (line: string) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    run()
      .catch((err: unknown) => log?.(`ossup serve: lifecycle sweep failed: ${(err as Error)?.message ?? String(err)}`))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
