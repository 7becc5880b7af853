import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { TransferEvent } from '../transfer/index.js';
import { fitLine, type BarFields } from './bar-line.js';
import { formatBytes, formatSeconds } from './size.js';

/**
 * What the command knows about a running transfer, fed by the engine's events whether or not a bar is drawn:
 * the interrupt message and the final summary read it too.
 */
export class TransferTracker {
  totalBytes = 0;
  bytesDone = 0;
  resumedBytes = 0;
  totalParts = 0;
  partsDone = 0;
  completing = false;
  /** While done parts of an earlier run are re-hashed, before 'start': how many so far, of how many. */
  verifying: { checked: number; total: number } | undefined;
  /** Bytes of parts the server has confirmed (resumed ones included): what an interruption keeps. */
  confirmedBytes = 0;
  private readonly partsSeen = new Set<number>();
  // Samples of (time, bytes sent in this run) for a rate over the last few seconds, not since the start:
  // a link that slowed down should show it.
  private samples: Array<[number, number]> = [];

  /**
   * `partSize`: the part size, to know a confirmed part's length from its number when a 'part' event does not say;
   * the engine's 'start' event gives the one it chose.
   */
  constructor(
    private partSize = 0,
    private readonly now: () => number = Date.now,
  ) {}

  onEvent(e: TransferEvent): void {
    switch (e.type) {
      case 'verifying':
        this.totalBytes = e.totalBytes;
        this.verifying = { checked: e.partsChecked, total: e.partsTotal };
        break;
      case 'start':
        this.verifying = undefined;
        // A second 'start' means the engine began again (a download whose object changed): count from its numbers.
        this.totalBytes = e.totalBytes;
        this.resumedBytes = e.resumedBytes;
        this.bytesDone = e.resumedBytes;
        this.partsSeen.clear();
        this.completing = false;
        this.totalParts = e.totalParts;
        this.partsDone = e.partsDone;
        this.confirmedBytes = e.resumedBytes;
        if (e.partSize !== undefined) this.partSize = e.partSize;
        this.samples = [[this.now(), 0]];
        break;
      case 'progress':
        this.totalBytes = e.totalBytes;
        this.bytesDone = Math.max(this.bytesDone, e.bytesDone);
        this.sample();
        break;
      case 'part':
        this.partsDone = Math.max(this.partsDone, e.partsDone);
        this.totalParts = e.totalParts;
        if (!this.partsSeen.has(e.partNumber)) {
          this.partsSeen.add(e.partNumber);
          const start = (e.partNumber - 1) * this.partSize;
          this.confirmedBytes += e.size ?? Math.max(0, Math.min(this.partSize, this.totalBytes - start));
        }
        break;
      case 'completing':
        this.completing = true;
        break;
      case 'complete':
        this.bytesDone = this.totalBytes;
        this.confirmedBytes = this.totalBytes;
        break;
    }
  }

  private sample(): void {
    const t = this.now();
    this.samples.push([t, this.bytesDone - this.resumedBytes]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > 5000) this.samples.shift();
  }

  /** Bytes per second over the last few seconds of this run (resumed bytes are not counted as speed). */
  rate(): number {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0]!;
    const [t1, b1] = this.samples[this.samples.length - 1]!;
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }

  /** Seconds left at the current rate; Infinity while unknown. */
  eta(): number {
    const r = this.rate();
    return r > 0 ? (this.totalBytes - this.bytesDone) / r : Infinity;
  }

  percent(): number {
    return this.totalBytes > 0 ? (this.bytesDone / this.totalBytes) * 100 : 0;
  }
}

/**
 * Draws the live bar; only ever constructed for a TTY (the caller decides). The line is fitted to the terminal's
 * width at every frame (bar-line.ts), and redrawn at once when the terminal is resized.
 */
export class ProgressBar {
  private bar: cliProgress.SingleBar;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private final = false;
  private readonly onResize = () => this.redraw();

  constructor(
    private readonly tracker: TransferTracker,
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream,
    /** Erase the bar when it stops instead of leaving its last frame (a download into a pipeline). */
    erase = false,
  ) {
    // Loaded when a bar is drawn: a transfer off a terminal (scripts, pipelines) never pays for it.
    const bars = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
    this.bar = new bars.SingleBar(
      {
        stream,
        clearOnComplete: erase,
        // Two more columns are left free: a ^C the terminal echoes lands there, not inside the ETA, and the last
        // frame (drawn on the interrupt) wipes it.
        format: () => fitLine(this.fields(), this.stream.columns ? this.stream.columns - 2 : undefined),
        hideCursor: true,
        // One redraw loop of our own (below) keeps rate and ETA moving when no bytes arrive.
        noTTYOutput: false,
        etaBuffer: 1,
        autopadding: false,
        linewrap: false,
      },
      bars.Presets.shades_classic,
    );
  }

  /** Whether a frame is on screen (a line written now must first clear it). */
  get active(): boolean {
    return this.started;
  }

  onEvent(e: TransferEvent): void {
    if ((e.type === 'start' || e.type === 'verifying') && !this.started) {
      this.started = true;
      this.bar.start(Math.max(1, this.tracker.totalBytes), this.tracker.bytesDone);
      this.timer = setInterval(() => this.redraw(), 250);
      this.timer.unref();
      // Node turns SIGWINCH into 'resize' on a TTY stream: re-fit the line to the new width straight away.
      this.stream.on('resize', this.onResize);
    }
    if (this.started) this.redraw();
  }

  private redraw(): void {
    this.bar.setTotal(Math.max(1, this.tracker.totalBytes));
    this.bar.update(this.tracker.bytesDone);
  }

  /** The frame's fields, from the tracker (not from cli-progress's own counters). */
  fields(): BarFields {
    const t = this.tracker;
    const v = t.verifying;
    let pct: string;
    let fraction = t.totalBytes > 0 ? t.bytesDone / t.totalBytes : 0;
    // 100% is shown only once the object is complete: every byte can be sent while Complete is still pending.
    if (this.final) pct = '100.0%';
    else if (v) {
      pct = `verifying ${v.total} done part${v.total === 1 ? '' : 's'}... ${v.checked}/${v.total}`;
      fraction = v.total > 0 ? v.checked / v.total : 0;
    } else pct = t.completing ? 'completing' : `${Math.min(99.9, t.percent()).toFixed(1)}%`.padStart(5);
    // While verifying nothing moves yet: bytes, rate and ETA would read 0 B/s and "?", so only the phase is shown.
    if (v && !this.final)
      return { label: this.label, fraction, pct, bytes: '', rate: '', eta: '', parts: '', resumed: '' };
    return {
      label: this.label,
      fraction: this.final ? 1 : fraction,
      pct,
      bytes: bytesOf(t.bytesDone, t.totalBytes),
      rate: `${formatBytes(Math.round(t.rate()))}/s`,
      eta: `ETA ${formatSeconds(t.eta())}`,
      parts: `parts ${t.partsDone}/${t.totalParts}`,
      resumed: t.resumedBytes > 0 ? `resumed ${formatBytes(t.resumedBytes)}` : '',
    };
  }

  /** Erases nothing: leaves the last state on screen and moves to a fresh line for whatever comes next. */
  stop(final?: 'complete'): void {
    if (this.timer) clearInterval(this.timer);
    this.stream.off('resize', this.onResize);
    if (!this.started) return;
    if (final === 'complete') {
      this.final = true;
      this.bar.update(this.tracker.totalBytes);
    }
    this.bar.stop();
    this.started = false;
  }
}

/** `104.0/256.0 MiB`: the unit once when both sides share it (four columns an 80-column line needs). */
function bytesOf(done: number, total: number): string {
  const a = formatBytes(done);
  const b = formatBytes(total);
  const unit = / \S+$/.exec(b)?.[0];
  return unit && a.endsWith(unit) ? `${a.slice(0, -unit.length)}/${b}` : `${a}/${b}`;
}

/** Whether to draw a live bar: a TTY on stderr, not a dumb terminal, and not turned off. */
export function wantsBar(
  stream: NodeJS.WriteStream,
  opts: { progress: boolean; quiet: boolean },
  env: NodeJS.ProcessEnv,
): boolean {
  return opts.progress && !opts.quiet && stream.isTTY === true && env.TERM !== 'dumb';
}
