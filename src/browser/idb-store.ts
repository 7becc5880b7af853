// Checkpoints in IndexedDB: the engine's CheckpointStore port for pages, so an upload survives a reload or a crashed
// tab. One database, three object stores: `headers` (one per checkpoint, by location), `records` (one per finished
// part, keyed [location, n] so appending is one small write and loading one range read) and `handles` (the File
// System Access handle the file came from, when it came from one, so a resume needs no new pick). A lock per
// location through the Web Locks API keeps two tabs from driving one upload.
import { CheckpointError, CheckpointLockedError } from '../core/errors.js';
import type { CheckpointStore, HeldLock, LoadedCheckpoint } from '../transfer/engine/ports.js';

// The slice of the IndexedDB and Web Locks APIs used here; the project's lib settings (no DOM) do not declare them.
interface IdbRequest<T = unknown> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface IdbStore {
  get(key: unknown): IdbRequest;
  getAll(range?: unknown): IdbRequest<unknown[]>;
  getAllKeys(range?: unknown): IdbRequest<unknown[]>;
  put(value: unknown, key?: unknown): IdbRequest;
  delete(keyOrRange: unknown): IdbRequest;
}
interface IdbTransaction {
  objectStore(name: string): IdbStore;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: unknown;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(stores: string[], mode: 'readonly' | 'readwrite', opts?: { durability?: string }): IdbTransaction;
}
interface IdbApi {
  open(name: string, version: number): IdbOpenRequest;
}
interface IdbKeyRangeApi {
  bound(lower: unknown, upper: unknown): unknown;
}
interface LocksApi {
  request(name: string, opts: { ifAvailable: boolean }, cb: (lock: unknown) => Promise<void> | void): Promise<void>;
}

const DB_NAME = 'ossup';
const STORES = ['headers', 'records', 'handles'] as const;
type Stores = Record<(typeof STORES)[number], IdbStore>;
const DB_VERSION = 1;

function api(): { idb: IdbApi; range: IdbKeyRangeApi } {
  const g = globalThis as unknown as { indexedDB?: IdbApi; IDBKeyRange?: IdbKeyRangeApi };
  if (!g.indexedDB || !g.IDBKeyRange) {
    throw new CheckpointError(
      'indexedDB',
      'IndexedDB is not available here: pass checkpoint: false to upload without resume',
    );
  }
  return { idb: g.indexedDB, range: g.IDBKeyRange };
}

function done<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let opened: Promise<IdbDatabase> | undefined;

function database(): Promise<IdbDatabase> {
  opened ??= new Promise<IdbDatabase>((resolve, reject) => {
    const req = api().idb.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      for (const name of STORES) if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('the ossup database is being upgraded by another tab'));
  }).catch((err: unknown) => {
    opened = undefined;
    throw new CheckpointError('indexedDB', `cannot open the IndexedDB database ${DB_NAME}: ${String(err)}`, {
      cause: err,
    });
  });
  return opened;
}

/** Runs `fn` in one transaction over both stores; resolves when the transaction has committed. */
async function inTransaction<T>(mode: 'readonly' | 'readwrite', fn: (stores: Stores) => Promise<T> | T): Promise<T> {
  const db = await database();
  // Records are rebuilt from the server's ListParts on resume: relaxed durability costs a resend at worst.
  const tx = db.transaction([...STORES], mode, { durability: 'relaxed' });
  const committed = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
  const value = await fn({
    headers: tx.objectStore('headers'),
    records: tx.objectStore('records'),
    handles: tx.objectStore('handles'),
  });
  await committed;
  return value;
}

/** Every record key of `location`: [location, n] for any number n (arrays sort after numbers). */
function recordsOf(location: string): unknown {
  return api().range.bound([location, Number.NEGATIVE_INFINITY], [location, []]);
}

/** The engine's CheckpointStore port on IndexedDB, for one checkpoint `location`. */
export class IndexedDbCheckpointStore<H, R> implements CheckpointStore<H, R> {
  private next = 0;

  constructor(
    readonly location: string,
    /** The File System Access handle the file came from, kept beside the checkpoint. */
    private readonly handle?: unknown,
  ) {}

  async load(): Promise<LoadedCheckpoint<H, R> | undefined> {
    return this.io('read', () =>
      inTransaction('readonly', async ({ headers, records }) => {
        const header = (await done(headers.get(this.location))) as H | undefined;
        if (header === undefined) return undefined;
        const list = (await done(records.getAll(recordsOf(this.location)))) as R[];
        this.next = list.length;
        return { header, records: list };
      }),
    );
  }

  async start(header: H): Promise<void> {
    await this.io('create', () =>
      inTransaction('readwrite', ({ headers, records, handles }) => {
        records.delete(recordsOf(this.location));
        headers.put(header, this.location);
        if (this.handle !== undefined) handles.put(this.handle, this.location);
        else handles.delete(this.location);
      }),
    );
    this.next = 0;
  }

  async append(record: R): Promise<void> {
    const n = this.next++;
    await this.io('append to', () =>
      inTransaction('readwrite', ({ records }) => {
        records.put(record, [this.location, n]);
      }),
    );
  }

  async remove(): Promise<void> {
    await this.io('remove', () =>
      inTransaction('readwrite', ({ headers, records, handles }) => {
        records.delete(recordsOf(this.location));
        headers.delete(this.location);
        handles.delete(this.location);
      }),
    );
  }

  async close(): Promise<void> {
    /* IndexedDB holds nothing open per checkpoint */
  }

  private async io<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw new CheckpointError(
        this.location,
        `cannot ${what} checkpoint ${this.location} in IndexedDB: ${String(err)}`,
        {
          cause: err,
        },
      );
    }
  }
}

/** What a checkpoint in IndexedDB says about its upload, for listing (pendingUploads). */
export interface StoredCheckpoint {
  location: string;
  header: unknown;
  handle?: unknown;
}

/** Every checkpoint in this origin's IndexedDB, with its file handle when one was kept. */
export async function storedCheckpoints(): Promise<StoredCheckpoint[]> {
  return inTransaction('readonly', async ({ headers, handles }) => {
    const locations = (await done(headers.getAllKeys())) as string[];
    const values = await done(headers.getAll());
    const handleKeys = await done(handles.getAllKeys());
    const handleValues = await done(handles.getAll());
    const kept = new Map(handleKeys.map((k, i) => [k, handleValues[i]]));
    return locations.map((location, i) => ({ location, header: values[i], handle: kept.get(location) }));
  });
}

/**
 * Holds the Web Lock named after `location` until released; CheckpointLockedError when another tab holds it. Where the
 * Web Locks API is missing (old browsers), nothing is locked.
 */
export function lockInBrowser(location: string): Promise<HeldLock> {
  const locks = (globalThis as unknown as { navigator?: { locks?: LocksApi } }).navigator?.locks;
  if (!locks) return Promise.resolve({ file: location, release: async () => undefined });
  return new Promise((resolve, reject) => {
    locks
      .request(`ossup ${location}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          reject(new CheckpointLockedError(location, `another tab is uploading this file (${location})`));
          return;
        }
        return new Promise<void>((release) => resolve({ file: location, release: async () => release() }));
      })
      .catch(reject);
  });
}
