/**
 * Sizes and durations as people type them, and sizes as people read them.
 *
 * Units are binary: `KiB`, `MiB`, `GiB`, `TiB`. The short forms `K`, `M`, `G`, `T` (and `KB`, `MB`, `GB`, `TB`)
 * are accepted and also read as binary, as rclone does, because someone who types `--part-size 8M` means eight
 * mebibytes and a part size that silently came out 5% smaller would only surprise them. Anything else is refused
 * with a message naming the accepted forms: a typo must never become a default.
 */

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Thrown for text that is not a size or a duration; the CLI turns it into a usage error (exit 2). */
export class ParseError extends Error {}

/** `100KiB`, `8MiB`, `1.5GiB`, `8M`, `1048576` -> bytes (an integer). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new ParseError(`"${text}" is not a size; use bytes or a number with KiB, MiB, GiB or TiB (e.g. 8MiB)`);
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) {
    throw new ParseError(
      `"${text}" has an unknown unit "${m[2]}"; use KiB, MiB, GiB or TiB (K, M, G, T also mean binary)`,
    );
  }
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(Math.round(bytes))) throw new ParseError(`"${text}" is too large`);
  if (!Number.isInteger(bytes)) throw new ParseError(`"${text}" is not a whole number of bytes`);
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `30m`, `12h`, `7d`, `2w` -> milliseconds. A bare number is refused: minutes or days? Say which. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+)\s*([smhdw])\s*$/i.exec(text);
  if (!m) throw new ParseError(`"${text}" is not a duration; use a number with s, m, h, d or w (e.g. 7d)`);
  return Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!;
}

/** Bytes for people: `0 B`, `1023 B`, `1.5 KiB`, `64.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}

/** Seconds for people: `0.4 s`, `42 s`, `3 min 05 s`, `2 h 07 min`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Age for listings: `45s`, `12m`, `5h`, `3d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
