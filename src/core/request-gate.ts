// A held start: work that may prepare its requests (read, hash, sign) before its turn but send none until then. The
// work runs with the held signal; the client's pipeline waits at the gate just before a request goes on the wire
// (client/pipeline.ts), so everything before that point is done ahead, and nothing is in flight early. A tree's job
// starts its next file this way while its current file's request is out (transfer/tree/jobs.ts; DESIGN.md, "A job's
// next file, prepared while its request is out"). Browser-safe: no I/O.

/** Signals whose requests wait, with what they wait for; an entry goes once its gate opens. */
const gates = new WeakMap<AbortSignal, Promise<void>>();

export interface HeldStart {
  /** For the held work's requests: aborted with the parent, or by `cancel`. */
  readonly signal: AbortSignal;
  /** Resolves once the work's turn has come (`open`) or it was aborted. */
  readonly opened: Promise<void>;
  /** The turn has come: requests waiting at the gate go now, later ones go at once. */
  open(): void;
  /** The turn will never come: the work's requests fail as aborted (a held request is never sent). */
  cancel(reason?: unknown): void;
  /** Stops following the parent signal (call once the work has settled). */
  release(): void;
}

/** A held start under `parent`: its signal carries a gate that its requests wait at until `open` (or an abort). */
export function holdStart(parent: AbortSignal): HeldStart {
  const ac = new AbortController();
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const follow = () => ac.abort(parent.reason);
  if (parent.aborted) follow();
  else parent.addEventListener('abort', follow, { once: true });
  // An abort wakes a request waiting at the gate, which then finds its signal aborted and is never sent.
  ac.signal.addEventListener('abort', () => open(), { once: true });
  gates.set(ac.signal, opened);
  void opened.then(() => gates.delete(ac.signal));
  return {
    signal: ac.signal,
    opened,
    open,
    cancel: (reason) => ac.abort(reason),
    release: () => parent.removeEventListener('abort', follow),
  };
}

/** What a request carrying `signal` must wait for before it is sent; undefined when nothing (the usual case). */
export function requestGate(signal: AbortSignal | undefined): Promise<void> | undefined {
  return signal === undefined ? undefined : gates.get(signal);
}
