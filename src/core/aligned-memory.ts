/**
 * Page-aligned memory for bulk file reads and socket writes. The C allocator hands every large ArrayBuffer, Buffer
 * and SharedArrayBuffer out 16 bytes past a page boundary, and the kernel's copy from the page cache into such a
 * buffer ran at a third of its speed on the bench machine (1 GiB in 1 MiB reads from tmpfs: 0.51 CPU-s into a
 * Buffer, 0.16 into page-aligned memory, as `dd`; issue 27). WebAssembly memory is page-aligned, so an arena hands
 * out fixed-size regions of one shared memory that grows as regions are taken: one address-space reservation per
 * arena (V8 reserves ~10 GiB of address space for each memory and caps the total), not one per buffer.
 */

/** A page-aligned piece of shared memory: `size` bytes of `buffer` from `offset`. */
export interface Region {
  buffer: SharedArrayBuffer;
  offset: number;
  size: number;
}

/** The slice of the WebAssembly JS API used here; the project's lib settings (no DOM) do not declare it. */
interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  /** Adds `pages`; returns the previous size in pages. */
  grow(pages: number): number;
}
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: true }) => SharedMemory };
  }
).WebAssembly;

const WASM_PAGE = 64 * 1024;
/** memory32's limit, in pages (4 GiB). */
const MAX_PAGES = 65536;

export class AlignedArena {
  private memory: SharedMemory | undefined;
  private readonly free: Region[] = [];
  private readonly pagesPerRegion: number;
  private readonly maxPages: number;
  private failed = false;

  /** Regions of `regionSize` bytes, at most `maxRegions` of them from the arena (any more are plain buffers). */
  constructor(
    readonly regionSize: number,
    maxRegions: number,
    /** Regions kept for reuse once given back. */
    private readonly keep = Number.POSITIVE_INFINITY,
  ) {
    this.pagesPerRegion = Math.max(1, Math.ceil(regionSize / WASM_PAGE));
    this.maxPages = Math.min(MAX_PAGES, this.pagesPerRegion * Math.max(1, maxRegions));
  }

  take(): Region {
    return (
      this.free.pop() ??
      this.grow() ?? { buffer: new SharedArrayBuffer(this.regionSize), offset: 0, size: this.regionSize }
    );
  }

  /** Give back a region taken from this arena that nothing reads or writes any more. */
  give(region: Region): void {
    if (region.size === this.regionSize && this.free.length < this.keep) this.free.push(region);
  }

  /** A fresh region at the end of the memory, or undefined once it cannot grow (the caller falls back). */
  private grow(): Region | undefined {
    if (this.failed) return undefined;
    try {
      let offset: number;
      if (!this.memory) {
        this.memory = new Memory({ initial: this.pagesPerRegion, maximum: this.maxPages, shared: true });
        offset = 0;
      } else {
        offset = this.memory.grow(this.pagesPerRegion) * WASM_PAGE;
      }
      return { buffer: this.memory.buffer, offset, size: this.regionSize };
    } catch {
      // At its maximum, or no address space for it: plain buffers from now on (slower to fill, same bytes).
      this.failed = true;
      return undefined;
    }
  }
}
