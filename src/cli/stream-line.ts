// The live line of an upload from standard input: no total is known, so bytes so far and the rate (issue 24, item
// 10). Drawn on a terminal stderr only, and erased at the end: the summary (or the next command's output) follows.
import { Transform } from 'node:stream';
import { formatBytes } from './size.js';

export class StreamLine {
  bytes = 0;
  parts = 0;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private samples: Array<[number, number]> = [];

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream,
    private readonly now: () => number = Date.now,
  ) {}

  /** A pass-through that counts what the upload reads. */
  counter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        this.bytes += chunk.length;
        done(null, chunk);
      },
    });
  }

  start(): void {
    this.stream.write('\x1b[?25l');
    this.samples = [[this.now(), 0]];
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  /** `standard input | 12.0 MiB read | 4.0 MiB/s | 3 parts sent`, within the width less two columns (for ^C). */
  line(columns: number): string {
    const t = this.now();
    this.samples.push([t, this.bytes]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > 5000) this.samples.shift();
    const [t0, b0] = this.samples[0]!;
    const rate = t > t0 ? ((this.bytes - b0) * 1000) / (t - t0) : 0;
    const fields = [
      this.label,
      `${formatBytes(this.bytes)} read`,
      `${formatBytes(Math.round(rate))}/s`,
      `${this.parts} part${this.parts === 1 ? '' : 's'} sent`,
    ];
    const width = Math.max(10, columns - 3);
    while (fields.length > 1 && fields.join(' | ').length > width) fields.splice(fields.length === 4 ? 3 : 0, 1);
    return fields.join(' | ').slice(0, width);
  }

  private draw(): void {
    this.stream.write(`\r\x1b[2K${this.line(this.stream.columns || 80)}`);
    this.drawn = true;
  }

  /** Erases the line and gives the cursor back; once. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
    this.stream.write('\x1b[?25h');
  }
}
