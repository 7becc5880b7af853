// V8 flags of the ossup process (and, for serve, how its C heap keeps freed memory), set at run time: only
// bin/ossup.js's run() owns the process, so neither the library nor a test driving main() in its own process ever has
// its V8 or its heap changed. Why each flag, and the check that it takes effect when set this way: DESIGN.md, "The
// ossup process lets V8's heap grow 5x" and "A tree tiers up sooner".
import v8 from 'node:v8';
import { keepFreedMemory } from '../io/crc64-native.js';

/** Every command: let the heap grow 5x between collections. */
const PROCESS_FLAGS = '--heap-growing-percent=400';
/**
 * A tree (`cp -r`, `mv -r`, `sync`) once it starts its first transfer: an interrupt budget of 8,000 bytecode bytes
 * (Node 20's V8 has 67,584), so the per-file code is optimised within the first few hundred files rather than after
 * the first thousand. Not for a single transfer, nor a tree with nothing to send (a sync of unchanged files): both
 * would pay for compiles they never amortise.
 */
export const TREE_FLAGS = '--interrupt-budget=8000';

/**
 * `ossup serve`, before its server starts: ES2024's `ArrayBuffer.prototype.transfer` (on by default from Node 21, behind
 * this flag in Node 20's V8) for the hashing threads it starts, which then free each hashed batch's memory themselves
 * rather than send it back to the event loop to collect (server/store/hasher-worker.ts `release`). It adds the method
 * to contexts made after it is set and changes nothing else; a server in a library's host process goes without it.
 */
export const SERVE_FLAGS = '--harmony-rab-gsab-transfer';

let ownProcess = false;
let treeTiered = false;

/** Called once by run(), before the command: the process is ossup's own. */
export function setProcessFlags(): void {
  ownProcess = true;
  v8.setFlagsFromString(PROCESS_FLAGS);
}

/** A tree is starting a transfer: tier its code up sooner (once, and only in ossup's own process). */
export function tierUpForTree(): void {
  if (!ownProcess || treeTiered) return;
  treeTiered = true;
  v8.setFlagsFromString(TREE_FLAGS);
}

/**
 * The C heap of `ossup serve`: up to this much freed memory is kept for reuse rather than handed back to the system,
 * whose pages would fault in again (each body chunk is allocated and freed; BENCHMARKS.md "branch h27srv6").
 */
export const SERVE_KEEP_FREED = 64 << 20;

/**
 * `ossup serve` is starting its server (only in ossup's own process): the V8 flag where the method is missing, and
 * the C heap's freed memory kept (io/crc64-native.ts `keepFreedMemory`). Returns whether the latter was set.
 */
export function setServeFlags(): boolean {
  if (!ownProcess) return false;
  if (typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer !== 'function')
    v8.setFlagsFromString(SERVE_FLAGS);
  return keepFreedMemory(SERVE_KEEP_FREED);
}
