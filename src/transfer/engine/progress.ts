// Progress accounting in bytes with a high-water mark per part: a retried part re-sends bytes already counted, and
// those must not count twice. The last byte is held back until the transfer is really finished, so observers never
// see 100% before CompleteMultipartUpload (or the final PutObject) has succeeded.
import type { TransferEvent } from '../types.js';

export class ProgressTracker {
  private readonly perPart = new Map<number, number>();
  private inFlight = 0;
  private finished = false;
  private lastReported = -1;

  constructor(
    readonly totalBytes: number,
    /** Bytes already on the server from an earlier run. */
    private resumedBytes: number,
    private readonly emit: (event: TransferEvent) => void,
  ) {}

  /** Bytes counted so far, never above total, and below total until finish(). */
  get bytesDone(): number {
    const raw = Math.min(this.totalBytes, this.resumedBytes + this.inFlight);
    return this.finished || this.totalBytes === 0 ? raw : Math.min(raw, this.totalBytes - 1);
  }

  /** Part `number` has now sent `sent` bytes in its current attempt (restarts at 0 on retry). */
  partBytes(number: number, sent: number): void {
    const seen = this.perPart.get(number) ?? 0;
    if (sent <= seen) return;
    this.perPart.set(number, sent);
    this.inFlight += sent - seen;
    this.report();
  }

  /** Part `number` of `size` bytes is done (its bytes count in full even if the stream was not observed). */
  partDone(number: number, size: number): void {
    this.partBytes(number, size);
  }

  /**
   * `bytes` counted as resumed turned out not to be (a resumed part failed its check and is sent again). Reports
   * never go back; the part's bytes count again as they are sent.
   */
  unresume(bytes: number): void {
    this.resumedBytes -= bytes;
  }

  /** The transfer is complete: report 100%. */
  finish(): void {
    this.finished = true;
    this.report();
  }

  private report(): void {
    const bytesDone = this.bytesDone;
    if (bytesDone <= this.lastReported) return;
    this.lastReported = bytesDone;
    this.emit({ type: 'progress', bytesDone, totalBytes: this.totalBytes });
  }
}
