// Seeded choices for scenarios, on top of the fault proxy's PRNG, so a failing run is replayed from its seed.
import { seededRandom } from '../../harness/fault-proxy.js';

export interface Rng {
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A non-empty random subset. */
  subset<T>(items: readonly T[]): T[];
  chance(p: number): boolean;
}

export function rng(seed: number): Rng {
  const next = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    subset(items) {
      const out = items.filter(() => next() < 0.5);
      return out.length > 0 ? out : [items[int(0, items.length - 1)]!];
    },
    chance: (p) => next() < p,
  };
}

/** Seed of run `iteration` of a scenario: distinct per scenario and run, fixed by the top-level seed. */
export function runSeed(topSeed: number, scenario: string, iteration: number): number {
  let h = (topSeed * 2654435761) >>> 0;
  for (const c of `${scenario}#${iteration}`) h = (Math.imul(h ^ c.charCodeAt(0), 16777619) + 1) >>> 0;
  return h;
}
