// V8 flags of the ossup process (and, for serve, how its C heap keeps freed memory), set at run time: only
// bin/ossup.js's run() owns the process, so neither the library nor a test driving main() in its own process ever has
// its V8 or its heap changed. Why each flag, and the check that it takes effect when set this way: DESIGN.md, "The
// ossup process lets V8's heap grow 5x" and "A tree's first files run without TurboFan".
import { setFlagsFromString } from 'node:v8';
import { keepFreedMemory } from '../io/crc64-native.js';

/** Every command: let the heap grow 5x between collections. */
const PROCESS_FLAGS = '--heap-growing-percent=400';
/**
 * A tree (`cp -r`, `mv -r`, `sync`) at its first transfer: no TurboFan. Its compiles run on V8's helper threads and
 * cost a tree of 2,000 small files ~0.5-0.7 CPU-s of its ~1.7 (a third of the client's CPU), more than the optimised
 * code saves over that many files; Ignition and Sparkplug run the files instead (DESIGN.md, "A tree's first files
 * run without TurboFan"). Not for a single transfer, nor a tree with nothing to send (a sync of unchanged files).
 */
export const TREE_START_FLAGS = '--no-opt';
/**
 * A tree once it has started TREE_WARM_FILES files or TREE_WARM_BYTES bytes: TurboFan back, with an interrupt budget
 * of 8,000 bytecode bytes (Node 20's V8 has 67,584), so the per-file code is optimised within a few hundred more files.
 * From there the optimised code's saving (~0.1 ms a file, more per byte of a large file) pays for its compiles.
 */
export const TREE_FLAGS = '--opt --interrupt-budget=8000';
/** Files a tree starts before TurboFan comes back: by then the unoptimised code cost about what the compiles do. */
export const TREE_WARM_FILES = 4000;
/** Bytes a tree starts before TurboFan comes back (a large file's chunk loop is hot per byte, not per file). */
export const TREE_WARM_BYTES = 256 * 1024 * 1024;

/**
 * When a tree's flags change, from the sizes of the files it starts: TREE_START_FLAGS at the first, TREE_FLAGS once
 * TREE_WARM_FILES files or TREE_WARM_BYTES bytes were started (at once, for a first file that large).
 */
export class TreeTiering {
  private files = 0;
  private bytes = 0;
  private warm = false;

  constructor(private readonly set: (flags: string) => void) {}

  fileStarting(size: number): void {
    if (this.warm) return;
    this.files++;
    this.bytes += size;
    if (this.files >= TREE_WARM_FILES || this.bytes >= TREE_WARM_BYTES) {
      this.warm = true;
      this.set(TREE_FLAGS);
    } else if (this.files === 1) this.set(TREE_START_FLAGS);
  }
}

/**
 * `ossup serve`, before its server starts: ES2024's `ArrayBuffer.prototype.transfer` (on by default from Node 21, behind
 * this flag in Node 20's V8) for the hashing threads it starts, which then free each hashed batch's memory themselves
 * rather than send it back to the event loop to collect (server/store/hasher-worker.ts `release`). It adds the method
 * to contexts made after it is set and changes nothing else; a server in a library's host process goes without it.
 */
export const SERVE_FLAGS = '--harmony-rab-gsab-transfer';

let ownProcess = false;
let treeTiering: TreeTiering | undefined;

/** Called once by run(), before the command: the process is ossup's own. */
export function setProcessFlags(): void {
  ownProcess = true;
  setFlagsFromString(PROCESS_FLAGS);
}

/** A tree is starting a file's transfer of `size` bytes (only ossup's own process changes its flags). */
export function treeFileStarting(size: number): void {
  if (!ownProcess) return;
  (treeTiering ??= new TreeTiering((flags) => setFlagsFromString(flags))).fileStarting(size);
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
  if (typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer !== 'function') setFlagsFromString(SERVE_FLAGS);
  return keepFreedMemory(SERVE_KEEP_FREED);
}
