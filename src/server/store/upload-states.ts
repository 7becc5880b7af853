// What the server remembers of the multipart uploads it is serving, so an UploadPart costs no read of the upload's
// manifest or part records: the manifest as read once (it never changes), and the current part of each number as
// committed under the upload's lock. The disk stays the truth: ListParts and Complete read the part directory, a
// forgotten upload is read again, and a part renamed into an upload another process removed fails and is refused.
import type { PartEntry } from './part-names.js';
import type { UploadRecord } from './types.js';

export interface UploadState {
  readonly id: string;
  /** The manifest, read once; undefined when the upload does not exist (such states are not kept). */
  manifest?: Promise<UploadRecord | undefined>;
  /** The current part of each number; loaded and changed only under the upload's lock. */
  parts?: Map<number, PartEntry>;
  /** The highest part sequence number used so far (see part-names.ts). */
  seq: number;
  /** Operations holding this state: it is not forgotten while held (its seq must stay the one in use). */
  users: number;
  /** Aborted or completed by this process. */
  removed: boolean;
}

/** Uploads kept beyond this are forgotten, oldest first, when nothing holds them (a 10,000-part one is ~2 MB). */
const MAX_KEPT = 100;

export class UploadStates {
  private readonly states = new Map<string, UploadState>();

  constructor(private readonly maxKept = MAX_KEPT) {}

  /** The state of an upload, held until `release` (synchronous, so nothing can forget it in between). */
  acquire(bucket: string, uploadId: string): UploadState {
    const id = `${bucket}\n${uploadId}`;
    let s = this.states.get(id);
    if (!s) {
      s = { id, seq: 0, users: 1, removed: false };
      this.states.set(id, s);
      if (this.states.size > this.maxKept) this.trim(); // after users is set: the new state is never the one dropped
      return s;
    }
    s.users++;
    return s;
  }

  release(s: UploadState): void {
    s.users--;
  }

  /** The upload is gone (removed here, or found missing on disk): later requests read the disk again. */
  forget(s: UploadState, removed: boolean): void {
    if (removed) s.removed = true;
    if (this.states.get(s.id) === s) this.states.delete(s.id);
  }

  private trim(): void {
    for (const [id, s] of this.states) {
      if (this.states.size <= this.maxKept * 0.9) return;
      if (s.users === 0) this.states.delete(id);
    }
  }
}
