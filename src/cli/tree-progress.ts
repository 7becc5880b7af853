// One live line for a whole tree: files done/total, bytes done/total, rate, ETA, cut to the terminal's width.
// Fed by the tree's events whether or not a line is drawn: the final summary and the interrupt line read it too.
import type { TreeEvent } from '../transfer/tree/index.js';
import { formatBytes, formatSeconds } from './size.js';

export class TreeTracker {
  /** Source files found so far, and their bytes; `scanned` once the walk and listing are over. */
  files = 0;
  bytes = 0;
  scanned = false;
  transferred = 0;
  skipped = 0;
  deleted = 0;
  failed = 0;
  /** Bytes of files finished or skipped, plus what files in flight have (resumed bytes included). */
  bytesDone = 0;
  /** Bytes moved by this run: what the rate is made of. */
  moved = 0;
  inFlight = 0;
  private readonly seen = new Map<string, number>();
  private samples: Array<[number, number]> = [];

  constructor(private readonly now: () => number = Date.now) {
    this.samples.push([now(), 0]);
  }

  onEvent(e: TreeEvent): void {
    switch (e.type) {
      case 'found':
        this.files++;
        this.bytes += e.size;
        break;
      case 'scanned':
        this.scanned = true;
        this.files = e.files;
        this.bytes = e.bytes;
        break;
      case 'file-start':
        this.inFlight++;
        this.seen.set(e.rel, 0);
        break;
      case 'file-progress': {
        const ev = e.event;
        const before = this.seen.get(e.rel) ?? 0;
        let now = before;
        if (ev.type === 'start') now = Math.max(before, ev.resumedBytes);
        else if (ev.type === 'progress') {
          this.moved += Math.max(0, ev.bytesDone - before);
          now = Math.max(before, ev.bytesDone);
        }
        this.bytesDone += now - before;
        this.seen.set(e.rel, now);
        this.sample();
        break;
      }
      case 'done': {
        const r = e.result;
        if (r.action === 'delete') {
          this.deleted++;
          break;
        }
        const before = this.seen.get(r.rel);
        if (before !== undefined) {
          this.inFlight--;
          this.seen.delete(r.rel);
        }
        this.bytesDone += r.size - (before ?? 0);
        if (r.action === 'skip') this.skipped++;
        else this.transferred++;
        break;
      }
      case 'failed': {
        this.failed++;
        const before = this.seen.get(e.failure.rel);
        if (before !== undefined) {
          this.inFlight--;
          this.seen.delete(e.failure.rel);
          this.bytesDone -= before;
        }
        break;
      }
      default:
        break;
    }
  }

  private sample(): void {
    const t = this.now();
    this.samples.push([t, this.moved]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > 5000) this.samples.shift();
  }

  /** Bytes per second over the last few seconds. */
  rate(): number {
    const [t0, b0] = this.samples[0]!;
    const t1 = this.now();
    const b1 = this.moved;
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }

  /** Seconds left; Infinity while unknown (the totals still growing count as unknown). */
  eta(): number {
    const r = this.rate();
    return this.scanned && r > 0 ? Math.max(0, this.bytes - this.bytesDone) / r : Infinity;
  }

  filesDone(): number {
    return this.transferred + this.skipped + this.failed;
  }
}

/** The one line; `width` is the terminal's (the line never wraps, so a redraw overwrites it). */
export function treeLine(t: TreeTracker, width: number): string {
  const more = t.scanned ? '' : '+';
  const pct = t.bytes > 0 ? Math.min(100, (t.bytesDone / t.bytes) * 100) : 0;
  const fields = [
    `files ${t.filesDone()}/${t.files}${more}`,
    `${formatBytes(t.bytesDone)}/${formatBytes(t.bytes)}${more}`,
    `${formatBytes(Math.round(t.rate()))}/s`,
    `ETA ${formatSeconds(t.eta())}`,
    ...(t.failed > 0 ? [`${t.failed} failed`] : []),
  ];
  const text = fields.join(' | ');
  const room = width - text.length - 3;
  if (room >= 10) {
    const size = Math.min(30, room);
    const full = Math.round((pct / 100) * size);
    return `${'█'.repeat(full)}${'░'.repeat(size - full)} ${text}`;
  }
  return text.slice(0, Math.max(0, width - 1));
}

/** Draws the line on a TTY every 250 ms; `stop` leaves the last state on its own line. */
export class TreeBar {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private started = false;

  constructor(
    private readonly tracker: TreeTracker,
    private readonly stream: NodeJS.WriteStream,
  ) {}

  start(): void {
    this.started = true;
    this.stream.write('\x1b[?25l');
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  /** Prints a line above the bar (a note, a failure; on stdout, a result) without tearing it. */
  note(text: string, out: NodeJS.WritableStream = this.stream): void {
    this.clear();
    this.drawn = false;
    out.write(text);
    this.draw();
  }

  private clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
  }

  draw(): void {
    this.clear();
    this.stream.write(treeLine(this.tracker, Math.max(20, (this.stream.columns || 80) - 1)));
    this.drawn = true;
  }

  /** Draws the final state (even for a run shorter than one redraw) and gives the cursor back; once. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.started) return;
    this.started = false;
    this.draw();
    this.stream.write('\n\x1b[?25h');
    this.drawn = false;
  }
}
