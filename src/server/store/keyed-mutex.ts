/**
 * Serialises critical sections per name (object key, upload part). Commits are short, so a promise chain is
 * enough; it keeps "read old record, rename new one, drop old blob" from interleaving between two writers.
 */
export class KeyedMutex {
  private tails = new Map<string, Promise<void>>();

  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(name, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}
