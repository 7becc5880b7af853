// Which parts an upload still sends, as a PartFeed for the scheduler: a replayable source's parts in the session's
// layout, those done (resumed) left out, as many at once as the planner's feed says now; a fresh upload's parts not
// handed out yet cut again, larger, as its controller learns the link; a stream's parts as the planner's feed sizes
// them, after the first part (read up front), until the stream has ended.
import { partRecord, type PartRecord } from '../engine/multipart.js';
import { regrownSize } from '../engine/part-growth.js';
import { regrowPlan, type PartPlan } from '../engine/plan.js';
import { forwarded, remainingFeed } from '../engine/planner.js';
import type { PartBytes, PartFeed, PartSource, PlannedPart } from '../engine/ports.js';
import type { DonePart, GrowRecord, UploadSession } from './types.js';
import type { UploadContext, UploadSettings } from './settings.js';

/** One multipart upload as it runs. */
export interface UploadRun {
  ctx: UploadContext;
  opts: UploadSettings;
  source: PartSource;
  /** The planner's feed: the part size and, asked each time a slot frees, the concurrency. */
  feed: PartFeed;
  /** A replayable source's parts as laid out now (the session's, cut again as they grow); none for a stream. */
  layout: PartPlan;
  session: UploadSession;
  /** A stream's first part, read up front to tell a single PutObject from a multipart upload. */
  first?: { part: PlannedPart; bytes: PartBytes };
  /** Cuts not yet journaled: written before the next part's record (engine.ts PartsPhase.pending). */
  pending: GrowRecord[];
}

/** The parts still to send; `stopped()` ends a stream's feed at its end. */
export function resumeFeed(run: UploadRun, stopped: () => boolean): PartFeed {
  const { feed, first } = run;
  if (run.source.size !== undefined) {
    // Only a fresh upload grows, from its first phase: every part before the one handed out next is handed out, none
    // after it, so a cut there moves no part in flight. A resumed one keeps the layout its checkpoint fixed.
    const grows = run.session.fresh && run.session.done.size === 0 && feed.partSizeNow !== undefined;
    return grows ? growingFeed(run) : remainingFeed(feed, new Set(run.session.done.keys()), run.layout);
  }
  let pending = first?.part;
  return {
    ...forwarded(feed),
    single: false,
    totalParts: undefined,
    next: () => {
      const part = pending ?? (stopped() ? undefined : feed.next());
      pending = undefined;
      return part;
    },
  };
}

/**
 * A fresh upload's parts in order. Before each is handed out, the parts from it on are cut again when the planner's
 * feed offers a larger size that still leaves every connection two parts of what is left (part-growth.ts
 * regrownSize); the cut is queued for the journal (run.pending), which takes it before any later part's record.
 */
function growingFeed(run: UploadRun): PartFeed {
  const { feed } = run;
  const total = run.source.size!;
  let at = 0;
  let cut = run.layout.parts[0]?.size ?? feed.partSize;
  return {
    ...forwarded(feed),
    get totalParts() {
      return run.layout.parts.length;
    },
    get plan() {
      return run.layout;
    },
    next(): PlannedPart | undefined {
      const part = run.layout.parts[at];
      if (!part) return undefined;
      const size = regrownSize(cut, feed.partSizeNow!(), total - part.start, feed.concurrency());
      if (size > cut) {
        run.layout = regrowPlan(run.layout, at, size);
        run.pending.push({ kind: 'grow', after: at, partSize: size });
        cut = size;
      }
      return run.layout.parts[at++];
    },
  };
}

/** The checkpoint record of a sent part. */
export function uploadRecord(part: DonePart): PartRecord {
  return partRecord(part, part.crc64);
}
