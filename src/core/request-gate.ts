// A held start: work that may prepare its requests (read, hash, sign) before its turn but send none until then. The
// work runs with a gated signal; the client's pipeline waits at the gate just before a request goes on the wire
// (client/pipeline.ts), so everything before that point is done ahead, and nothing is in flight early. A tree's job
// starts its next file this way while its current file's request is out (transfer/tree/jobs.ts; DESIGN.md, "A job's
// next file, prepared while its request is out"). Browser-safe: no I/O.

/** Signals whose requests wait, with what they wait for; an entry goes once its gate opens. */
const gates = new WeakMap<AbortSignal, Promise<void>>();

/** A gated signal's work since its last `hold`: whether a request of it was answered, and what waits for that. */
interface Turn {
  answered: boolean;
  /** The gate of the work held behind this one (`openAfter`), opened by the answer. */
  successor?: () => void;
}
const turns = new WeakMap<AbortSignal, Turn>();

/**
 * The largest streamed answer counted as in once its head is: a small object's body comes with its head or a moment
 * after it, while a larger one is still on the wire (its request still in flight) when the head is read.
 */
export const ANSWERED_STREAM_BYTES = 64 * 1024;

/** What work started ahead of its turn is given. */
export interface HeldStart {
  /** For the work's requests: they wait at the gate until `opened`. */
  readonly signal: AbortSignal;
  /** Resolves once the work's turn has come, or it was cancelled. */
  readonly opened: Promise<void>;
}

/**
 * A signal that follows `parent` and whose gate can be closed for one piece of work at a time (`hold`), then opened.
 * Reused from one piece of work to the next (an AbortController and its listeners per file cost ~10 us each; a
 * job keeps two and alternates, so a file's signal is reused only once that file has settled).
 */
export interface GatedSignal {
  readonly signal: AbortSignal;
  /** Closes the gate: requests on the signal wait until `open` (or an abort). */
  hold(): HeldStart;
  /** Opens the gate: requests waiting go now, later ones go at once. */
  open(): void;
  /**
   * Opens the gate (while held) once a request of the work on `prev`, another gated signal, has its answer
   * (`answered`), at once if one has: a tree's next file then goes while the file before it, one request, does its
   * local work after that answer (a download's writes and rename, its events). Otherwise `open` is what opens it.
   */
  openAfter(prev: AbortSignal): void;
  /** Aborts the signal for good (a held request is then never sent) and opens the gate to let it see that. */
  cancel(reason?: unknown): void;
  /** Stops following the parent (once nothing runs on the signal any more). */
  release(): void;
}

export function gatedSignal(parent: AbortSignal): GatedSignal {
  const ac = new AbortController();
  const turn: Turn = { answered: false };
  turns.set(ac.signal, turn);
  let opening: (() => void) | undefined;
  const open = () => {
    gates.delete(ac.signal);
    const f = opening;
    opening = undefined;
    f?.();
  };
  const follow = () => {
    ac.abort(parent.reason);
    open();
  };
  if (parent.aborted) follow();
  else parent.addEventListener('abort', follow, { once: true });
  return {
    signal: ac.signal,
    hold() {
      open(); // a gate left closed would hold the next work behind the last one's turn
      turn.answered = false; // the new work's requests are still to be answered
      turn.successor = undefined;
      const opened = new Promise<void>((resolve) => {
        opening = resolve;
      });
      if (ac.signal.aborted) open();
      else gates.set(ac.signal, opened);
      return { signal: ac.signal, opened };
    },
    open,
    openAfter(prev) {
      const before = turns.get(prev);
      if (opening === undefined || before === undefined) return;
      if (before.answered) open();
      else before.successor = open;
    },
    cancel(reason) {
      ac.abort(reason);
      open();
    },
    release: () => parent.removeEventListener('abort', follow),
  };
}

/** What a request carrying `signal` must wait for before it is sent; undefined when nothing (the usual case). */
export function requestGate(signal: AbortSignal | undefined): Promise<void> | undefined {
  return signal === undefined ? undefined : gates.get(signal);
}

/**
 * A request carrying `signal` has its answer (the pipeline calls this for a request that moved a body, a file's own
 * PUT or GET; a HEAD or a listing before it does not count): work held behind it (`openAfter`) may go now.
 */
export function answered(signal: AbortSignal | undefined): void {
  const turn = signal && turns.get(signal);
  if (turn === undefined || turn.answered) return;
  turn.answered = true;
  const f = turn.successor;
  turn.successor = undefined;
  f?.();
}
