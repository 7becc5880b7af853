// A bucket's retention policy (WORM) as the store keeps it, and the one question every writer asks: may this
// record be deleted or overwritten now? Shared by the object handlers, DeleteMultipleObjects and the lifecycle
// sweep. OSS: an InProgress policy protects the bucket's objects too, and lapses if not locked within 24 hours.
import type { BucketConfigStore } from './store/bucket-config.js';

/** The stored policy (config name `worm`). */
export interface WormPolicy {
  id: string;
  state: 'InProgress' | 'Locked';
  days: number;
  /** Creation time, ms since the epoch. */
  created: number;
}

/** How long an unlocked policy lives before it lapses (OSS: 24 hours). */
export const IN_PROGRESS_MS = 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** The bucket's policy in force at `now`: a Locked one, or an InProgress one not yet 24 hours old. */
export async function activeWorm(
  configs: BucketConfigStore,
  bucket: string,
  now: number,
): Promise<WormPolicy | undefined> {
  const p = await configs.get<WormPolicy>(bucket, 'worm');
  if (!p) return undefined;
  if (p.state === 'InProgress' && now - p.created >= IN_PROGRESS_MS) return undefined;
  return p;
}

/** True while `lastModified` + the retention period is still ahead of `now`. */
export function isRetained(p: WormPolicy | undefined, lastModified: number, now: number): boolean {
  return p !== undefined && lastModified + p.days * DAY_MS > now;
}
