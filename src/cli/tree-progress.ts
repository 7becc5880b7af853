// One live line for a whole tree: files done/total, bytes done/total, rate, ETA, resumed bytes, fitted to the width.
// Fed by the tree's events whether or not a line is drawn: the final summary and the interrupt line read it too.
import type { TreeEvent } from '../transfer/tree/index.js';
import { formatBytes, formatSeconds } from './size.js';

/** The rates' samples are at least this far apart (ms). */
const SAMPLE_MS = 100;

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
  /** Bytes an earlier, interrupted run had moved, taken over from checkpoints. */
  resumed = 0;
  inFlight = 0;
  private readonly seen = new Map<string, number>();
  /** (time, bytes moved, files done) over the last few seconds: the byte rate and the file rate. */
  private samples: Array<[number, number, number]> = [];

  constructor(private readonly now: () => number = Date.now) {
    this.samples.push([now(), 0, 0]);
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
        if (ev.type === 'start') {
          now = Math.max(before, ev.resumedBytes);
          if (before === 0) this.resumed += ev.resumedBytes;
        } else if (ev.type === 'progress') {
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
        this.sample();
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
    // One sample per SAMPLE_MS is enough for rates over seconds: a sample per event kept ~30,000 of them in the
    // window at a thousand small files a second (six events each), an array apiece (issue 27).
    if (t - this.samples[this.samples.length - 1]![0] < SAMPLE_MS) return;
    this.samples.push([t, this.moved, this.filesDone()]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > 5000) this.samples.shift();
  }

  /** Bytes per second over the last few seconds. */
  rate(): number {
    const [t0, b0] = this.samples[0]!;
    const t1 = this.now();
    const b1 = this.moved;
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }

  /** Files finished (sent or skipped) per second over the last few seconds. */
  fileRate(): number {
    const [t0, , f0] = this.samples[0]!;
    const t1 = this.now();
    return t1 > t0 ? ((this.filesDone() - f0) * 1000) / (t1 - t0) : 0;
  }

  /**
   * Seconds left; Infinity while unknown. The larger of what the bytes left take at the byte rate and what the files
   * left take at the file rate: many small files cost a request each, which the bytes alone do not show. While the
   * totals still grow this is an estimate from what is counted so far (the line marks it with `+`).
   */
  eta(): number {
    const byBytes = Math.max(0, this.bytes - this.bytesDone) / this.rate();
    const filesLeft = Math.max(0, this.files - this.filesDone());
    const byFiles = filesLeft === 0 ? 0 : filesLeft / this.fileRate();
    const eta = Math.max(Number.isNaN(byBytes) ? 0 : byBytes, byFiles);
    return Number.isFinite(eta) ? eta : Infinity;
  }

  filesDone(): number {
    return this.transferred + this.skipped + this.failed;
  }
}

/**
 * The one line; `width` is what it may take (the line never wraps, so a redraw overwrites it). Whole fields give way
 * when it is narrow, never half of one: the bar, then the rate, the resumed amount, the bytes, the ETA; the files
 * count stays (cut only under ~20 columns).
 */
export function treeLine(t: TreeTracker, width: number): string {
  const more = t.scanned ? '' : '+';
  const pct = t.bytes > 0 ? Math.min(100, (t.bytesDone / t.bytes) * 100) : 0;
  const eta = t.eta();
  const field = {
    files: `files ${t.filesDone()}/${t.files}${more}`,
    bytes: `${formatBytes(t.bytesDone)}/${formatBytes(t.bytes)}${more}`,
    rate: `${formatBytes(Math.round(t.rate()))}/s`,
    eta: `ETA ${formatSeconds(eta)}${Number.isFinite(eta) ? more : ''}`,
    resumed: t.resumed > 0 ? `${formatBytes(t.resumed)} resumed` : '',
    failed: t.failed > 0 ? `${t.failed} failed` : '',
  };
  const order: Array<keyof typeof field> = ['files', 'bytes', 'rate', 'eta', 'resumed', 'failed'];
  const drop: Array<keyof typeof field> = ['rate', 'resumed', 'bytes', 'eta', 'failed'];
  let shown = order.filter((k) => field[k] !== '');
  const text = () => shown.map((k) => field[k]).join(' | ');
  const room = width - text().length - 1;
  if (room >= 10) {
    const size = Math.min(30, room);
    const full = Math.round((pct / 100) * size);
    return `${'█'.repeat(full)}${'░'.repeat(size - full)} ${text()}`;
  }
  for (const k of drop) {
    if (text().length <= width) break;
    shown = shown.filter((x) => x !== k);
  }
  return text().slice(0, Math.max(0, width));
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
    // Two columns are left free: a ^C echoed by the terminal lands there, and is wiped by the last frame.
    this.stream.write(treeLine(this.tracker, Math.max(20, (this.stream.columns || 80) - 3)));
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
