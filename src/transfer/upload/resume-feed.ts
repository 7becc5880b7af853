// Which parts an upload still sends, as a PartFeed for the scheduler: a replayable source's parts at the session's
// part size, those done (resumed) left out, as many at once as the planner's feed says now; a stream's parts as the
// planner's feed sizes them, after the first part (read up front), until the stream has ended.
import { partRecord, type PartRecord } from '../engine/multipart.js';
import { remainingFeed } from '../engine/planner.js';
import type { PartPlan } from '../engine/plan.js';
import type { PartBytes, PartFeed, PartSource, PlannedPart } from '../engine/ports.js';
import type { DonePart, UploadSession } from './types.js';
import type { UploadContext, UploadSettings } from './settings.js';

/** One multipart upload as it runs. */
export interface UploadRun {
  ctx: UploadContext;
  opts: UploadSettings;
  source: PartSource;
  /** The planner's feed: the part size and, asked each time a slot frees, the concurrency. */
  feed: PartFeed;
  /** A replayable source's parts at the checkpoint's part size (none for a stream). */
  layout: PartPlan;
  session: UploadSession;
  /** A stream's first part, read up front to tell a single PutObject from a multipart upload. */
  first?: { part: PlannedPart; bytes: PartBytes };
}

/** The parts still to send; `stopped()` ends a stream's feed at its end. */
export function resumeFeed(run: UploadRun, stopped: () => boolean): PartFeed {
  const { feed, first } = run;
  const concurrency = () => feed.concurrency();
  const observe = feed.observe?.bind(feed);
  if (run.source.size !== undefined) return remainingFeed(feed, new Set(run.session.done.keys()));
  let pending = first?.part;
  return {
    partSize: feed.partSize,
    single: false,
    totalParts: undefined,
    concurrency,
    observe,
    next: () => {
      const part = pending ?? (stopped() ? undefined : feed.next());
      pending = undefined;
      return part;
    },
  };
}

/** The checkpoint record of a sent part. */
export function uploadRecord(part: DonePart): PartRecord {
  return partRecord(part, part.crc64);
}
