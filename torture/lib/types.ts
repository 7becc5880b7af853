// What a scenario is and what one run of it reports. The runner (run.ts) and the CI tests (test/torture) both
// drive scenarios through this interface only.

export interface RunContext {
  /** Seed of this run: the same seed replays the same choices (fault plans, kill moments, damage). */
  seed: number;
  /** Run index within the scenario (0-based); matrix scenarios use it to pick their case. */
  iteration: number;
  /** Size of the file a transfer scenario moves, in bytes. */
  size: number;
  /** A fresh directory for this run, removed afterwards by the caller. */
  dir: string;
  /** Progress lines for --verbose. */
  log(line: string): void;
}

export interface RunResult {
  /** The run reached the outcome the scenario expects (a byte-identical result, or a clear refusal). */
  passed: boolean;
  /** A wrong object or wrong file became visible: the one outcome that must never happen. */
  wrong: boolean;
  /** Bytes compared by SHA-256 against an independent reader (server files or raw GET, local file). */
  bytesVerified: number;
  /** Bytes sent or fetched more than once (crash and fault scenarios; see RELIABILITY.md for the definition). */
  bytesResent: number;
  /** Which case of a matrix ran, or what was chosen (fault plan, kill moments). */
  label: string;
  /** Why it failed, or why the case was skipped. */
  detail?: string;
  /** Objects compared with what was acknowledged (server scenarios that count objects rather than bytes). */
  objectsVerified?: number;
  /** Faults injected: races, I/O errors, stalls, kills, probes. */
  faults?: number;
  /** The case cannot run on this machine (e.g. permissions as root); counted apart, never as passed. */
  skipped?: boolean;
}

export interface Scenario {
  name: string;
  /** One line for the table's legend. */
  description: string;
  /** Cases of a matrix scenario (run i takes case i mod cases); 0 for randomized scenarios. */
  cases: number;
  run(ctx: RunContext): Promise<RunResult>;
}

/** A result for a case that did what was expected, with no bytes involved. */
export function ok(label: string, extra: Partial<RunResult> = {}): RunResult {
  return { passed: true, wrong: false, bytesVerified: 0, bytesResent: 0, label, ...extra };
}

export function failed(label: string, detail: string, extra: Partial<RunResult> = {}): RunResult {
  return { passed: false, wrong: false, bytesVerified: 0, bytesResent: 0, label, detail, ...extra };
}
