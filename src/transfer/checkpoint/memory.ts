// The memory checkpoint store and ports (engine/ports.ts CheckpointPorts): nothing survives the process. Streams use
// them, a checkpoint-off run keeps its records here, and tests. Browser-safe.
import type { CheckpointPorts, CheckpointStore, LoadedCheckpoint } from '../engine/ports.js';

/** Keeps records in memory only: a checkpoint-off run still uses the same engine code path. */
export class MemoryCheckpointStore<H, R> implements CheckpointStore<H, R> {
  readonly location = 'memory';
  private state: LoadedCheckpoint<H, R> | undefined;
  async load() {
    return this.state && { header: this.state.header, records: [...this.state.records] };
  }
  async start(header: H) {
    this.state = { header, records: [] };
  }
  async append(record: R) {
    this.state?.records.push(record);
  }
  async remove() {
    this.state = undefined;
  }
  async close() {
    /* nothing held */
  }
}

/** No checkpoint that outlives the run: what streams use, and any caller with nowhere to keep one. */
export const memoryCheckpoints: CheckpointPorts = {
  locate: async () => undefined,
  store: <H, R>() => new MemoryCheckpointStore<H, R>(),
  lock: async (location) => ({ file: location, release: async () => undefined }),
};
