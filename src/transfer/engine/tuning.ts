// What the adaptive controller (adaptive.ts) is told and what it reports: its options and the `tuning` of --json
// and the start event.

/** Where a setting came from: the controller, a flag (or option) that fixed it, or a resumed checkpoint. */
export type TuningSource = 'auto' | 'flag' | 'checkpoint';

export interface TunedValue {
  value: number;
  source: TuningSource;
}

/** What the controller chose, and why: the `tuning` field of `--json` and the start event. */
export interface Tuning {
  connections: TunedValue;
  partSize: TunedValue;
  /** The last decision in words ("slow start: 16 connections gave 24% more than 8"). */
  reason: string;
}

export interface AdaptiveOptions {
  /** Connections to start with: today's default (4 parts of one file, 16 files of a tree). */
  initialConnections: number;
  /** Part size to start with (the size ladder's choice for the file). */
  initialPartSize: number;
  /** Upper bound of the connection budget (default 64). */
  maxConnections?: number;
  /** Largest part size the controller picks by itself (default 64 MiB: parts in flight are held in memory). */
  maxPartSize?: number;
  /** Bytes of the largest file in the transfer: parts grow within 10,000 parts, and only while every connection keeps a part. */
  totalBytes?: number;
  /**
   * Bytes the whole transfer moves, when it is one file or object of known size. A step (slow start's doubling, a
   * probe) is then taken only while the bytes left would take at least PAYBACK times the step's measurement at the
   * current rate: a short transfer is not spent trialling settings it would end before using. A download (not
   * `sentBytes`) is also planned before its first byte and measures its first setting over two windows. Every
   * transfer, this one or not, is measured from its first byte.
   */
  transferBytes?: number;
  /** Where the connection count came from; anything but 'auto' fixes it. */
  connectionsSource?: TuningSource;
  /** Where the part size came from; anything but 'auto' fixes it (a resumed upload keeps its checkpoint's). */
  partSizeSource?: TuningSource;
  /** Shortest measuring window (default 250 ms); windows stretch to the typical part time, up to 1.5 s. */
  windowMs?: number;
  /** Why it starts where it does, until its first decision (default "starting from the defaults"). */
  startReason?: string;
  /**
   * The budget runs a tree's files: a doubling of round-trip-bound requests (whole small files, each costing a
   * request rather than bandwidth) is kept whatever it moved, not only for 10% more, and a probe down is kept when
   * it moves as much as the setting before it (DESIGN.md, "Small files: the judged window was a coin toss").
   */
  files?: boolean;
  /**
   * The bytes recorded are those handed to the sockets (an upload), not those received: a change settles until the
   * requests it started have finished (adaptive-rules.ts `sentSettled`), not only for half a window.
   */
  sentBytes?: boolean;
  /** Told one line per window measured (or skipped) and what was decided: the CLI's OSSUP_TRACE_TUNING. */
  trace?: (line: string) => void;
}
