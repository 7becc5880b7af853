// A planner whose fresh feeds offer larger parts after a while (PartFeed.partSizeNow), as the CLI's budget does once
// it has measured the link: for the tests of an upload whose parts grow (growing.test.ts, crash.test.ts).
import { seedPlanner } from '../../../src/transfer/engine/planner.js';
import type { PartPlanner } from '../../../src/transfer/engine/ports.js';

/**
 * Fresh feeds of `partSize` parts, `concurrency` at once, that offer `to` once `after` parts have been asked for; a
 * resumed transfer's feed offers nothing (it keeps its checkpoint's layout).
 */
export function growingPlanner(opts: {
  partSize: number;
  after: number;
  to: number;
  concurrency: number;
}): PartPlanner {
  return {
    plan(req, resume) {
      const feed = seedPlanner.plan(
        { ...req, partSize: req.partSize ?? opts.partSize, concurrency: opts.concurrency },
        resume,
      );
      if (resume || feed.single) return feed;
      let asked = 0;
      return { ...feed, partSizeNow: () => (++asked > opts.after ? opts.to : opts.partSize) };
    },
  };
}
