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

/**
 * Shared/exclusive sections per name (a bucket: object writes share it, DeleteBucket takes it alone). Shared
 * holders never wait for a queued exclusive one, so a shared section may nest inside another (Complete commits
 * an object); an exclusive section waits for every shared holder to leave and keeps new ones out while it runs.
 */
export class SharedLock {
  private states = new Map<string, { shared: number; exclusive: boolean; waiting: Array<() => void> }>();

  private state(name: string) {
    let s = this.states.get(name);
    if (!s) this.states.set(name, (s = { shared: 0, exclusive: false, waiting: [] }));
    return s;
  }

  private wake(name: string): void {
    const s = this.states.get(name);
    if (!s) return;
    const waiting = s.waiting.splice(0);
    for (const w of waiting) w();
    if (s.shared === 0 && !s.exclusive && s.waiting.length === 0) this.states.delete(name);
  }

  async shared<T>(name: string, fn: () => Promise<T>): Promise<T> {
    for (let s = this.state(name); s.exclusive; s = this.state(name)) await new Promise<void>((r) => s.waiting.push(r));
    const s = this.state(name);
    s.shared++;
    try {
      return await fn();
    } finally {
      s.shared--;
      this.wake(name);
    }
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    for (let s = this.state(name); s.exclusive || s.shared > 0; s = this.state(name))
      await new Promise<void>((r) => s.waiting.push(r));
    const s = this.state(name);
    s.exclusive = true;
    try {
      return await fn();
    } finally {
      s.exclusive = false;
      this.wake(name);
    }
  }
}
