/**
 * The live bar's line, fitted to the terminal. A line wider than the terminal is cut off (or wraps and scrolls), and
 * what is lost is the end of it: ETA and "resumed", the fields people look at. So the line is built for the width,
 * giving things up in this order (README, "Progress"):
 *
 *   1. the bar narrows, from 24 cells down to 10;
 *   2. the file name is shortened, with an ellipsis in the middle, down to 16 characters;
 *   3. the parts count goes;
 *   4. the file name goes (the bar may then narrow to 6 cells);
 *   5. the bar goes;
 *   then, on terminals under ~70 columns: the rate, the ETA, the bytes, the resumed amount. The percent stays.
 *
 * At 80 columns percent, bytes, rate, ETA and resumed always fit.
 */
import { shown } from './shown.js';

export interface BarFields {
  label: string;
  /** 0..1 filled. */
  fraction: number;
  /** `45.3%`, `completing`, `100.0%`, or a phase such as `verifying 104 done parts... 12/104`. */
  pct: string;
  bytes: string;
  rate: string;
  eta: string;
  parts: string;
  /** '' when nothing was resumed. Any field may be '' (not shown), as in the verifying phase. */
  resumed: string;
}

const MAX_BAR = 24;
const SHORT_LABEL = 16;

interface Shape {
  /** Narrowest bar this shape accepts (0: no bar); it widens up to 24 cells with the room left. */
  minBar: number;
  label: 'full' | number;
  parts: boolean;
  rate: boolean;
  eta: boolean;
  bytes: boolean;
  resumed: boolean;
}

/** Shapes from richest to barest: the documented drop order. */
function* shapes(): Generator<Shape> {
  const all: Shape = { minBar: 10, label: 'full', parts: true, rate: true, eta: true, bytes: true, resumed: true };
  yield all;
  yield { ...all, label: SHORT_LABEL };
  const noParts = { ...all, label: SHORT_LABEL, parts: false };
  yield noParts;
  const noLabel = { ...noParts, label: 0, minBar: 6 };
  yield noLabel;
  const bare = { ...noLabel, minBar: 0 };
  yield bare;
  yield { ...bare, rate: false };
  yield { ...bare, rate: false, eta: false };
  yield { ...bare, rate: false, eta: false, bytes: false };
  yield { ...bare, rate: false, eta: false, bytes: false, resumed: false };
}

/** Shortens `text` to `max` characters with an ellipsis in the middle (the start and the extension both tell). */
export function middleEllipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
}

function drawBar(fraction: number, cells: number): string {
  const filled = Math.max(0, Math.min(cells, Math.round(fraction * cells)));
  return '\u2588'.repeat(filled) + '\u2591'.repeat(cells - filled);
}

function render(f: BarFields, s: Shape, barCells: number): string {
  const head: string[] = [];
  if (s.label === 'full') head.push(shown(f.label));
  else if (s.label > 0) head.push(middleEllipsis(shown(f.label), s.label));
  if (barCells > 0) head.push(drawBar(f.fraction, barCells));
  head.push(f.pct);
  const fields = [head.join(' ')];
  if (s.bytes) fields.push(f.bytes);
  if (s.rate) fields.push(f.rate);
  if (s.eta) fields.push(f.eta);
  if (s.parts) fields.push(f.parts);
  if (s.resumed) fields.push(f.resumed);
  return fields.filter((x) => x !== '').join(' | ');
}

const length = (text: string) => [...text].length;

/**
 * The richest line that fits in `columns - 1` characters (the last column is left free: writing into it makes some
 * terminals wrap). Without a known width the full line is drawn. The barest line is cut if even it does not fit.
 */
export function fitLine(f: BarFields, columns: number | undefined): string {
  if (!columns || columns <= 0) return render(f, shapes().next().value as Shape, MAX_BAR);
  const width = Math.max(1, columns - 1);
  let line = '';
  for (const s of shapes()) {
    if (s.minBar > 0) {
      const room = width - length(render(f, s, 0)) - 1; // the bar and its separating space
      if (room < s.minBar) continue;
      return render(f, s, Math.min(MAX_BAR, room));
    }
    line = render(f, s, 0);
    if (length(line) <= width) return line;
  }
  return [...line].slice(0, width).join('');
}
